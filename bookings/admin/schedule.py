"""Admin for the diary: working hours, time off, closures and the booking policy.

Every save and delete goes through `bookings.services.schedule`; a change that strands
booked appointments first asks what to do with each (`AffectedAppointmentsAdmin`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from bookings.admin.decisions import AffectedAppointmentsAdmin
from bookings.models import Appointment, BookingPolicy, Closure, TimeOff, WorkingHours
from bookings.selectors import affected
from bookings.services import schedule as services
from bookings.services.schedule import Decisions


def _local(value) -> str:
    return f"{timezone.localtime(value):%a %d %b %Y, %H:%M}" if value else "-"


@admin.register(WorkingHours)
class WorkingHoursAdmin(AffectedAppointmentsAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time"]
    list_filter = ["weekday", "therapist"]
    search_fields = ["therapist__display_name"]
    list_select_related = ["therapist"]
    autocomplete_fields = ["therapist"]
    ordering = ["therapist__display_name", "weekday", "start_time"]

    def get_actions(self, request: HttpRequest) -> dict:
        # Deleting hours asks about each stranded appointment, one row at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def affected_by_save(self, obj: WorkingHours) -> list[Appointment]:
        return affected.affected_by_hours_change(obj, now=timezone.now())

    def affected_by_delete(self, obj: WorkingHours) -> list[Appointment]:
        return affected.affected_by_hours_change(obj, now=timezone.now(), deleting=True)

    def save_through_service(self, obj: WorkingHours, decisions: Decisions) -> None:
        services.working_hours_save(hours=obj, decisions=decisions)

    def delete_through_service(self, obj: WorkingHours, decisions: Decisions) -> None:
        services.working_hours_delete(hours=obj, decisions=decisions)


@admin.register(TimeOff)
class TimeOffAdmin(AffectedAppointmentsAdmin):
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

    def affected_by_save(self, obj: TimeOff) -> list[Appointment]:
        return affected.affected_by_time_off(obj)

    def save_through_service(self, obj: TimeOff, decisions: Decisions) -> None:
        services.time_off_save(time_off=obj, decisions=decisions)

    def delete_through_service(self, obj: TimeOff, decisions: Decisions) -> None:
        services.time_off_delete(time_off=obj)


@admin.register(Closure)
class ClosureAdmin(AffectedAppointmentsAdmin):
    list_display = ["date", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"

    def affected_by_save(self, obj: Closure) -> list[Appointment]:
        return affected.affected_by_closure(obj)

    def save_through_service(self, obj: Closure, decisions: Decisions) -> None:
        services.closure_save(closure=obj, decisions=decisions)

    def delete_through_service(self, obj: Closure, decisions: Decisions) -> None:
        services.closure_delete(closure=obj)


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    """One row: the list page opens it directly; it can be neither added nor deleted.

    Should the row be missing, its page shows the defaults and saving creates it."""

    list_display = ["__str__", "min_notice", "max_advance", "slot_step_minutes", "cancellation_window"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        url = reverse("admin:bookings_bookingpolicy_change", args=[BookingPolicy.SINGLETON_ID])
        return HttpResponseRedirect(url)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        if str(object_id) != str(BookingPolicy.SINGLETON_ID):
            return None
        return BookingPolicy.current()

    def save_model(self, request: HttpRequest, obj: BookingPolicy, form: Any, change: bool) -> None:
        services.booking_policy_save(policy=obj)
