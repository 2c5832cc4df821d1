"""Admin for the diary: working hours, time off, closures, the booking policy and
appointments. Appointments are created and changed only through the booking service,
so the admin obeys the same rules as the public site; a refusal is a form error."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from bookings import rules
from bookings.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Closure,
    TimeOff,
    WorkingHours,
)
from bookings.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)

Status = AppointmentStatus


def _local(value) -> str:
    return f"{timezone.localtime(value):%a %d %b %Y, %H:%M}" if value else "-"


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time"]
    list_filter = ["weekday", "therapist"]
    search_fields = ["therapist__display_name"]
    list_select_related = ["therapist"]
    autocomplete_fields = ["therapist"]
    ordering = ["therapist__display_name", "weekday", "start_time"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "local_start", "local_end", "reason"]
    list_filter = ["therapist"]
    search_fields = ["therapist__display_name", "reason"]
    date_hierarchy = "starts_at"
    list_select_related = ["therapist"]
    autocomplete_fields = ["therapist"]

    @admin.display(description="From", ordering="starts_at")
    def local_start(self, obj: TimeOff) -> str:
        return _local(obj.starts_at)

    @admin.display(description="Until", ordering="ends_at")
    def local_end(self, obj: TimeOff) -> str:
        return _local(obj.ends_at)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    """One row: the list page opens it directly; it can be neither added nor deleted."""

    list_display = ["__str__", "min_notice", "max_advance", "slot_step_minutes", "cancellation_window"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        policy = BookingPolicy.current()
        url = reverse("admin:bookings_bookingpolicy_change", args=[policy.pk])
        return HttpResponseRedirect(url)


class ServiceForm(forms.ModelForm):
    """A ModelForm whose validation and saving are done by a booking service.

    ModelForm's own `_post_clean` would validate a half-built row; instead `book()` calls
    the service, which checks the whole diary and saves. Its refusal becomes a form error
    and `self.instance` becomes the saved appointment.
    """

    def _post_clean(self) -> None:
        if self.errors:
            return
        try:
            self.instance = self.apply(self.cleaned_data)
        except ValidationError as exc:
            self.add_error(None, exc.messages)

    def apply(self, data: dict) -> Appointment:
        raise NotImplementedError


class AppointmentAddForm(ServiceForm):
    class Meta:
        model = Appointment
        fields = ["client", "option", "therapist", "room", "starts_at", "needs_clearance"]
        help_texts = {
            "therapist": "Leave empty for any free therapist who offers the treatment.",
            "room": "Leave empty to take the first free room.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapist"].required = False

    def apply(self, data: dict) -> Appointment:
        return appointment_book(
            client=data["client"],
            option=data["option"],
            starts_at=data["starts_at"],
            therapist=data.get("therapist"),
            room=data.get("room"),
            source=AppointmentSource.STAFF,
            needs_clearance=data.get("needs_clearance", False),
        )


TELL_CLIENT_HELP = "Email the client the change, with an updated calendar file."


class AppointmentChangeForm(ServiceForm):
    notify_client = forms.BooleanField(
        required=False, initial=True, label="Tell the client", help_text=TELL_CLIENT_HELP
    )

    class Meta:
        model = Appointment
        fields = ["therapist", "starts_at", "status", "cancellation_reason"]
        help_texts = {"cancellation_reason": "Needed when cancelling."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.status
        allowed = {current, *rules.next_statuses(current)}
        self.fields["status"].choices = [(v, label) for v, label in Status.choices if v in allowed]

    def apply(self, data: dict) -> Appointment:
        appointment = self.instance
        changed = set(self.changed_data)
        if changed & {"therapist", "starts_at"}:
            appointment = appointment_reschedule(
                appointment=appointment,
                starts_at=data["starts_at"],
                therapist=data["therapist"],
                by_staff=True,
                notify=data.get("notify_client", False),
            )
        if "status" in changed and data["status"] == Status.CANCELLED:
            appointment = appointment_cancel(
                appointment=appointment,
                reason=data.get("cancellation_reason") or "Cancelled by the clinic",
                notify=data.get("notify_client", False),
            )
        elif "status" in changed:
            appointment = appointment_set_status(
                appointment=appointment, from_status=appointment.status, to_status=data["status"]
            )
        return appointment


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = [
        "local_start", "client", "therapist", "treatment_type", "duration_minutes",
        "status", "source", "room",
    ]
    list_display_links = ["local_start"]
    list_filter = ["status", "source", "therapist", "treatment_type", "needs_clearance"]
    search_fields = ["client__first_name", "client__last_name", "client__email", "client__phone"]
    date_hierarchy = "starts_at"
    list_select_related = ["client", "therapist", "treatment_type", "room"]
    autocomplete_fields = ["client", "therapist", "option", "room"]
    ordering = ["-starts_at"]
    change_readonly = [
        "public_id", "client", "treatment_type", "option", "duration_minutes", "price", "room",
        "local_end", "buffer_until", "source", "needs_clearance", "late_cancellation",
        "cancelled_at", "created_at",
    ]

    @admin.display(description="Starts", ordering="starts_at")
    def local_start(self, obj: Appointment) -> str:
        return _local(obj.starts_at)

    @admin.display(description="Ends")
    def local_end(self, obj: Appointment) -> str:
        return _local(obj.ends_at)

    @admin.display(description="Diary blocked until")
    def buffer_until(self, obj: Appointment) -> str:
        return _local(obj.buffer_ends_at)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AppointmentChangeForm if obj else AppointmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(AppointmentAddForm.Meta.fields)
        return [*AppointmentChangeForm.Meta.fields, "notify_client", *self.change_readonly]

    def get_readonly_fields(self, request, obj=None):
        return self.change_readonly if obj else []

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to do: the form's booking service call has already saved the row."""
