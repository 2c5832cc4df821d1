"""Admin for appointments: the list with the workspace's filters, actions and CSV export,
and the add and change forms. Appointments are created, moved and change status only
through the booking service, so the admin obeys the same rules as the public site; a
refusal is a form error or an admin message, never a 500.

Nothing here renders clinical text: names, contact data, treatments, statuses and flags.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from bookings import rules
from bookings.admin.lists import QuickRows
from bookings.admin.mail import appointment_emails
from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.selectors.availability import clinic_zone
from bookings.selectors.workspace import monday_of
from bookings.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from bookings.services.submissions import NO_SUBMISSION, submission_confirm_by_staff
from bookings.workspace_forms import CancelReasonForm

Status = AppointmentStatus


def _local(value) -> str:
    return f"{timezone.localtime(value):%a %d %b %Y, %H:%M}" if value else "-"


def _refused(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _submission(appointment: Appointment):
    online = getattr(appointment, "online_booking", None) if appointment.source == "online" else None
    return getattr(online, "submission", None) if online is not None else None


class ServiceForm(forms.ModelForm):
    """A ModelForm whose validation and saving are done by a booking service.

    ModelForm's own `_post_clean` would validate a half-built row; instead `book()` calls
    the service, which checks the whole diary and saves. Its refusal becomes a form error
    and `self.instance` becomes the saved appointment. `user` (set by the admin) is who
    acts, so the service applies who may change what.
    """

    user = None

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
        fields = ["client", "option", "therapist", "room", "starts_at"]
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
            by=self.user,
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
        # Check-in asks the client today's questions first: it has its own page.
        allowed = {current, *rules.next_statuses(current)} - {Status.CHECKED_IN} | {current}
        self.fields["status"].choices = [(v, label) for v, label in Status.choices if v in allowed]
        if rules.can_check_in(self.instance):
            url = reverse("admin:bookings_appointment_check_in", args=[self.instance.pk])
            self.fields["status"].help_text = format_html(
                'To check the client in, use <a href="{}">Check in</a>: it asks today\'s questions.',
                url,
            )

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
                by=self.user,
            )
        if "status" in changed and data["status"] == Status.CANCELLED:
            appointment = appointment_cancel(
                appointment=appointment,
                reason=data.get("cancellation_reason") or "Cancelled by the clinic",
                notify=data.get("notify_client", False),
                by=self.user,
            )
        elif "status" in changed:
            appointment = appointment_set_status(
                appointment=appointment, from_status=appointment.status, to_status=data["status"],
                by=self.user,
            )
        return appointment


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("week", "This week"), ("upcoming", "Upcoming")]

    def queryset(self, request, queryset):
        zone = clinic_zone()
        today = timezone.localdate(timezone=zone)
        start_of = lambda d: datetime.combine(d, datetime.min.time(), tzinfo=zone)  # noqa: E731
        if self.value() == "today":
            return queryset.filter(starts_at__gte=start_of(today), starts_at__lt=start_of(today + timedelta(days=1)))
        if self.value() == "week":
            monday = monday_of(today)
            return queryset.filter(starts_at__gte=start_of(monday), starts_at__lt=start_of(monday + timedelta(days=7)))
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=timezone.now())
        return queryset


@admin.register(Appointment)
class AppointmentAdmin(QuickRows, admin.ModelAdmin):
    date_hierarchy = "starts_at"
    # A filtered list shows its own count only: counting all history again cost a scan.
    show_full_result_count = False
    # Fifty rows a page: staff find an appointment by search, filter or the calendar, and
    # each row's cells cost the admin's per-cell rendering (half the page at 100 rows).
    list_per_page = 50
    list_display = [
        "local_start",
        "local_end",
        "client_name",
        "client_contact",
        "therapist",
        "treatment_type",
        "status",
        "source",
        "flags",
    ]
    list_display_links = ["local_start"]
    list_filter = [
        WhenFilter, "therapist", "status", "treatment_type", "source", "needs_clearance",
        "needs_consent", "needs_review",
    ]
    search_fields = ["client__first_name", "client__last_name", "client__email", "client__phone"]
    list_select_related = ["client", "therapist", "treatment_type", "online_booking__submission"]
    actions = [
        "confirm", "check_in", "confirm_online_details", "complete", "mark_no_show",
        "cancel_with_reason", "export_selected_csv",
    ]
    change_list_template = "admin/bookings/appointment/workspace_change_list.html"
    autocomplete_fields = ["client", "therapist", "option", "room"]
    ordering = ["-starts_at"]
    change_readonly = [
        "public_id", "client", "treatment_type", "option", "duration_minutes", "price", "room",
        "local_end", "buffer_until", "source", "needs_clearance", "needs_consent", "needs_review",
        "late_cancellation", "cancelled_at", "created_at", "client_emails",
    ]

    # -- columns --------------------------------------------------------------------------
    @admin.display(description="Starts (local)", ordering="starts_at")
    def local_start(self, obj: Appointment) -> str:
        return f"{timezone.localtime(obj.starts_at, clinic_zone()):%a %Y-%m-%d %H:%M}"

    @admin.display(description="Ends", ordering="ends_at")
    def local_end(self, obj: Appointment) -> str:
        return f"{timezone.localtime(obj.ends_at, clinic_zone()):%H:%M}"

    @admin.display(description="Client", ordering="client__last_name")
    def client_name(self, obj: Appointment) -> str:
        return obj.client.full_name

    @admin.display(description="Contact")
    def client_contact(self, obj: Appointment) -> str:
        return " · ".join(x for x in (obj.client.phone, obj.client.email) if x)

    @admin.display(description="Diary blocked until")
    def buffer_until(self, obj: Appointment) -> str:
        return _local(obj.buffer_ends_at)

    @admin.display(description="Flags")
    def flags(self, obj: Appointment) -> str:
        out = obj.screening_flags
        if obj.late_cancellation:
            out.append("late cancellation")
        submission = _submission(obj)
        if submission is not None and not submission.is_confirmed:
            out.append("online details to confirm")
            if submission.name_differs:
                out.append("name differs from record")
            if submission.phone_differs:
                out.append("phone differs from record")
        return ", ".join(out)

    # -- add form prefilled from the schedule ---------------------------------------------
    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        raw = request.GET.get("starts_at")
        if raw:
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                initial.pop("starts_at", None)
            else:
                if timezone.is_naive(moment):
                    moment = moment.replace(tzinfo=clinic_zone())
                initial["starts_at"] = moment.astimezone(clinic_zone())
        return initial

    # -- actions: every one goes through the booking service --------------------------------
    def _move(self, request, queryset, to_status: str, verb: str) -> None:
        done = 0
        for appointment in queryset.select_related("client", "treatment_type"):
            try:
                # The service decides which moves are allowed and words the refusal.
                appointment_set_status(
                    appointment=appointment, from_status=appointment.status, to_status=to_status,
                    by=request.user,
                )
            except ValidationError as exc:
                self.message_user(request, f"{appointment}: {_refused(exc)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} appointment(s).", messages.SUCCESS)

    @admin.action(description="Confirm", permissions=["change"])
    def confirm(self, request, queryset):
        self._move(request, queryset, Status.CONFIRMED, "Confirmed")

    @admin.action(description="Check in", permissions=["change"])
    def check_in(self, request, queryset):
        """Check-in asks the client today's questions: one appointment goes to its check-in
        page; several are checked in only where today's answers are already recorded."""
        appointment = queryset.get() if queryset.count() == 1 else None
        if appointment is not None and rules.can_check_in(appointment):
            return redirect(
                reverse("admin:bookings_appointment_check_in", args=[appointment.pk])
                + "?"
                + urlencode({"next": request.get_full_path()})
            )
        self._move(request, queryset, Status.CHECKED_IN, "Checked in")
        return None

    @admin.action(description="Confirm online details (client present)", permissions=["change"])
    def confirm_online_details(self, request, queryset):
        """The client in front of the desk confirms what was submitted with their online
        booking: it enters their record with this user as the one who recorded it."""
        done = 0
        for appointment in queryset.select_related("client", "treatment_type", "online_booking__submission"):
            submission = _submission(appointment)
            try:
                if submission is None:
                    raise ValidationError(NO_SUBMISSION, code="no_submission")
                submission_confirm_by_staff(submission=submission, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{appointment}: {_refused(exc)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Confirmed the online details of {done} appointment(s).", messages.SUCCESS)

    @admin.action(description="Complete", permissions=["change"])
    def complete(self, request, queryset):
        self._move(request, queryset, Status.COMPLETED, "Completed")

    @admin.action(description="Mark no-show", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._move(request, queryset, Status.NO_SHOW, "Marked as no-show")

    @admin.action(description="Cancel with a reason…", permissions=["change"])
    def cancel_with_reason(self, request, queryset):
        form = CancelReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for appointment in queryset.select_related("client", "treatment_type"):
                try:
                    appointment_cancel(
                        appointment=appointment,
                        reason=form.cleaned_data["reason"],
                        by_client=form.cleaned_data["by_client"],
                        notify=form.cleaned_data["notify_client"],
                        by=request.user,
                    )
                except ValidationError as exc:
                    self.message_user(request, f"{appointment}: {_refused(exc)}", messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, f"Cancelled {done} appointment(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel appointments",
            "opts": self.model._meta,
            "form": form,
            "appointments": list(queryset.select_related("client", "treatment_type")),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/bookings/appointment/cancel_reason.html", context)

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return _csv_response(queryset)

    # -- CSV export of the filtered list ---------------------------------------------------
    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_view), name="bookings_appointment_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, "Those filters are not valid.", messages.ERROR)
            return redirect("admin:bookings_appointment_changelist")
        queryset = changelist.get_queryset(request)
        if not any(key.startswith(EXPORT_DATE_PARAMS) for key in request.GET):
            # No dates chosen: a window around today, not the clinic's whole history.
            now = timezone.now()
            queryset = queryset.filter(
                starts_at__gte=now - EXPORT_DEFAULT_PAST, starts_at__lt=now + EXPORT_DEFAULT_AHEAD
            )
        return _csv_response(queryset)

    # -- forms: the booking service validates and saves --------------------------------------
    def get_form(self, request, obj=None, change=False, **kwargs):
        base = AppointmentChangeForm if obj else AppointmentAddForm
        kwargs["form"] = type(base.__name__, (base,), {"user": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(AppointmentAddForm.Meta.fields)
        return [*AppointmentChangeForm.Meta.fields, "notify_client", *self.change_readonly]

    def get_readonly_fields(self, request, obj=None):
        return self.change_readonly if obj else []

    @admin.display(description="Client emails")
    def client_emails(self, obj: Appointment) -> str:
        return appointment_emails(obj)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to do: the form's booking service call has already saved the row."""


# The export without a date filter (date hierarchy or "when"): 90 days back, 90 ahead.
EXPORT_DEFAULT_PAST = timedelta(days=90)
EXPORT_DEFAULT_AHEAD = timedelta(days=90)
EXPORT_DATE_PARAMS = ("starts_at__", WhenFilter.parameter_name)

CSV_HEADER = [
    "date",
    "start",
    "end",
    "client",
    "email",
    "phone",
    "therapist",
    "treatment",
    "minutes",
    "price",
    "status",
    "source",
    "needs clearance",
    "late cancellation",
]


PHONE_LIKE = re.compile(r"^[+-][\d\s().-]*$")


def _csv_cell(value) -> str:
    text = str(value)
    # Spreadsheet formula injection: a client name like "=HYPERLINK(...)" stays text.
    # Phone numbers like "+1 416 555 0100" are left alone.
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not PHONE_LIKE.match(text)):
        return "'" + text
    return text


class _Echo:
    """A file whose write() returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_response(queryset) -> StreamingHttpResponse:
    """The appointments as CSV, streamed: rows are read in chunks and written as they come,
    so memory stays flat however many rows are exported."""
    zone = clinic_zone()
    writer = csv.writer(_Echo())
    rows = (
        # The changelist's queryset joins more (the online submission for the flags column);
        # the export reads only these columns.
        queryset.select_related(None)
        .select_related("client", "therapist", "treatment_type")
        .only(
            "starts_at", "ends_at", "duration_minutes", "price", "status", "source",
            "needs_clearance", "late_cancellation", "client__first_name", "client__last_name",
            "client__email", "client__phone", "therapist__display_name", "treatment_type__name",
        )
        .order_by("starts_at")
        .iterator(chunk_size=500)
    )

    def lines():
        yield writer.writerow(CSV_HEADER)
        for a in rows:
            start = a.starts_at.astimezone(zone)
            yield writer.writerow(
                [
                    _csv_cell(v)
                    for v in (
                        f"{start:%Y-%m-%d}",
                        f"{start:%H:%M}",
                        f"{a.ends_at.astimezone(zone):%H:%M}",
                        a.client.full_name,
                        a.client.email,
                        a.client.phone,
                        a.therapist.display_name,
                        a.treatment_type.name,
                        a.duration_minutes,
                        a.price,
                        a.get_status_display(),
                        a.get_source_display(),
                        "yes" if a.needs_clearance else "no",
                        "yes" if a.late_cancellation else "no",
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointments.csv"'
    return response
