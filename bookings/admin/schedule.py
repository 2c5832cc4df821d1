"""Admin for the diary: working hours, time off, closures and the booking policy."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    AppointmentStatus,
    BookingPolicy,
    Closure,
    TimeOff,
    WorkingHours,
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
