"""The staff workspace inside the admin: schedule, appointment actions, My day, reports,
CSV export, feed links and therapist onboarding.

The Appointment admin of `bookings.admin.schedule` is subclassed and registered again,
adding the workspace views under /admin/bookings/appointment/. Every status change goes
through the booking services, so the admin obeys the same rules as the public site; a
refused change becomes an admin error message, never a 500.

Nothing here renders clinical text: the pages show names, contact data, treatments,
statuses and flags only.
"""

from __future__ import annotations

import csv
import re
import uuid
from datetime import date, datetime, timedelta

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from bookings.models import Appointment, AppointmentStatus
from bookings.selectors.availability import clinic_zone
from bookings.selectors.workspace import (
    appointments_for_therapist_day,
    monday_of,
    schedule_for_day,
    schedule_for_week,
    weekly_report,
)
from bookings.services.appointments import appointment_cancel, appointment_set_status
from bookings.workspace_forms import CancelReasonForm, TherapistOnboardForm
from clinic.models import Therapist
from clinic.roles import FRONT_DESK, MANAGER, is_manager, user_roles

Status = AppointmentStatus

BaseAppointmentAdmin = (
    type(admin.site._registry[Appointment]) if admin.site.is_registered(Appointment) else admin.ModelAdmin
)


def _parse_day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _refused(exc: ValidationError) -> str:
    return " ".join(exc.messages)


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


def is_therapist_only(user) -> bool:
    """A therapist who is neither front desk nor manager: lands on My day."""
    if not user.is_authenticated or user.is_superuser:
        return False
    if not hasattr(user, "therapist"):
        return False
    return not (user_roles(user) & {FRONT_DESK, MANAGER})


class WorkspaceAppointmentAdmin(BaseAppointmentAdmin):
    date_hierarchy = "starts_at"
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
    list_filter = [WhenFilter, "therapist", "status", "treatment_type", "source", "needs_clearance"]
    search_fields = ["client__first_name", "client__last_name", "client__email", "client__phone"]
    list_select_related = ["client", "therapist", "treatment_type"]
    actions = ["confirm", "check_in", "complete", "mark_no_show", "cancel_with_reason", "export_selected_csv"]
    change_list_template = "admin/bookings/appointment/workspace_change_list.html"

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

    @admin.display(description="Flags")
    def flags(self, obj: Appointment) -> str:
        out = []
        if obj.needs_clearance:
            out.append("needs clearance")
        if obj.late_cancellation:
            out.append("late cancellation")
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
                    appointment=appointment, from_status=appointment.status, to_status=to_status
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
        self._move(request, queryset, Status.CHECKED_IN, "Checked in")

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

    # -- extra views ---------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("schedule/", wrap(self.schedule_view), name="bookings_appointment_schedule"),
            path("schedule/week/", wrap(self.week_view), name="bookings_appointment_week"),
            path("my-day/", wrap(self.my_day_view), name="bookings_appointment_my_day"),
            path("reports/", wrap(self.reports_view), name="bookings_appointment_reports"),
            path("export.csv", wrap(self.export_view), name="bookings_appointment_export"),
            path("onboard-therapist/", wrap(self.onboard_view), name="bookings_appointment_onboard"),
            path(
                "reset-feed/<int:therapist_id>/",
                wrap(self.reset_feed_view),
                name="bookings_appointment_reset_feed",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **extra):
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def schedule_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        today = timezone.localdate(now, clinic_zone())
        day = _parse_day(request.GET.get("date"), today)
        schedule = schedule_for_day(day, now=now)
        return TemplateResponse(
            request,
            "admin/bookings/schedule_day.html",
            self._context(
                request,
                f"Schedule for {day:%A %d %B %Y}",
                schedule=schedule,
                day=day,
                today=today,
                previous=day - timedelta(days=1),
                next=day + timedelta(days=1),
                add_url=reverse("admin:bookings_appointment_add"),
                can_add=self.has_add_permission(request),
            ),
        )

    def week_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        today = timezone.localdate(now, clinic_zone())
        therapists = list(Therapist.objects.filter(active=True).order_by("display_name"))
        own = getattr(request.user, "therapist", None)
        chosen = request.GET.get("therapist") or (own.pk if own else None)
        therapist = next((t for t in therapists if str(t.pk) == str(chosen)), None)
        if therapist is None and therapists:
            therapist = therapists[0]
        week_start = monday_of(_parse_day(request.GET.get("date"), today))
        schedule = schedule_for_week(therapist, week_start, now=now) if therapist else None
        return TemplateResponse(
            request,
            "admin/bookings/schedule_week.html",
            self._context(
                request,
                f"Week of {week_start:%d %B %Y}" + (f": {therapist}" if therapist else ""),
                schedule=schedule,
                therapist=therapist,
                therapists=therapists,
                week_start=week_start,
                today=today,
                previous=week_start - timedelta(days=7),
                next=week_start + timedelta(days=7),
                add_url=reverse("admin:bookings_appointment_add"),
                can_add=self.has_add_permission(request),
            ),
        )

    def my_day_view(self, request: HttpRequest) -> HttpResponse:
        therapist = getattr(request.user, "therapist", None)
        if therapist is None:
            self.message_user(request, "My day is for therapists; here is the whole schedule.", messages.INFO)
            return redirect("admin:bookings_appointment_schedule")
        today = timezone.localdate(timezone.now(), clinic_zone())
        day = _parse_day(request.GET.get("date"), today)
        try:
            note_add = reverse("admin:bookings_sessionnote_add")
        except NoReverseMatch:
            note_add = None
        rows = []
        for appointment in appointments_for_therapist_day(therapist, day):
            chart = f"{note_add}?{urlencode({'appointment': appointment.pk})}" if note_add else None
            rows.append((appointment, chart))
        return TemplateResponse(
            request,
            "admin/bookings/my_day.html",
            self._context(
                request,
                f"My day: {day:%A %d %B %Y}",
                rows=rows,
                therapist=therapist,
                day=day,
                previous=day - timedelta(days=1),
                next=day + timedelta(days=1),
                today=today,
                feed_url=reverse("bookings:therapist_feed", args=[therapist.calendar_token])
                if _has_feed_url()
                else None,
            ),
        )

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        if not is_manager(request.user):
            raise PermissionDenied
        today = timezone.localdate(timezone.now(), clinic_zone())
        first = monday_of(_parse_day(request.GET.get("from"), today - timedelta(days=21)))
        try:
            weeks = max(1, min(int(request.GET.get("weeks", 4)), 26))
        except ValueError:
            weeks = 4
        rows = weekly_report(first, weeks)
        return TemplateResponse(
            request,
            "admin/bookings/reports.html",
            self._context(request, "Weekly report", rows=rows, first=first, weeks=weeks),
        )

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, "Those filters are not valid.", messages.ERROR)
            return redirect("admin:bookings_appointment_changelist")
        return _csv_response(changelist.get_queryset(request))

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        if not is_manager(request.user):
            raise PermissionDenied
        form = TherapistOnboardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            from bookings.services.therapists import therapist_onboard

            try:
                therapist = therapist_onboard(**form.service_kwargs())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"Added {therapist}.", messages.SUCCESS)
                return redirect("admin:clinic_therapist_change", therapist.pk)
        return TemplateResponse(
            request,
            "admin/bookings/onboard_therapist.html",
            self._context(request, "Add a therapist", form=form),
        )

    def reset_feed_view(self, request: HttpRequest, therapist_id: int) -> HttpResponse:
        therapist = get_object_or_404(Therapist, pk=therapist_id)
        if not (is_manager(request.user) or getattr(request.user, "therapist", None) == therapist):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:bookings_appointment_my_day")
        with transaction.atomic():
            Therapist.objects.filter(pk=therapist.pk).update(calendar_token=uuid.uuid4())
        self.message_user(request, "The calendar feed link was reset; the old link no longer works.")
        return HttpResponseRedirect(request.POST.get("next") or reverse("admin:bookings_appointment_my_day"))


def _has_feed_url() -> bool:
    try:
        reverse("bookings:therapist_feed", args=[uuid.uuid4()])
    except NoReverseMatch:
        return False
    return True


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


def _csv_response(queryset) -> HttpResponse:
    zone = clinic_zone()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointments.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for a in queryset.select_related("client", "therapist", "treatment_type").order_by("starts_at"):
        start = a.starts_at.astimezone(zone)
        writer.writerow(
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
    return response


if admin.site.is_registered(Appointment):
    admin.site.unregister(Appointment)
admin.site.register(Appointment, WorkspaceAppointmentAdmin)


# -- the admin index: workspace links, and My day first for therapists ----------------------
_original_index = admin.site.index
_original_get_app_list = admin.site.get_app_list


def _workspace_index(request, extra_context=None):
    if is_therapist_only(request.user) and "full" not in request.GET:
        return redirect("admin:bookings_appointment_my_day")
    return _original_index(request, extra_context)


WORKSPACE_LINKS = [
    ("Schedule (day)", "admin:bookings_appointment_schedule", "view"),
    ("Schedule (week)", "admin:bookings_appointment_week", "view"),
    ("My day", "admin:bookings_appointment_my_day", "therapist"),
    ("Weekly report", "admin:bookings_appointment_reports", "manager"),
    ("Add a therapist", "admin:bookings_appointment_onboard", "manager"),
]


def _workspace_app_list(request, app_label=None):
    """The admin's app list with the workspace pages listed under Bookings."""
    app_list = _original_get_app_list(request, app_label)
    user = request.user
    can_view = user.has_perm("bookings.view_appointment")
    extra = []
    for name, url_name, need in WORKSPACE_LINKS:
        if (
            (need == "view" and can_view)
            or (need == "therapist" and hasattr(user, "therapist"))
            or (need == "manager" and is_manager(user))
        ):
            extra.append(
                {
                    "name": name,
                    "object_name": url_name.rsplit("_", 1)[-1].title(),
                    "perms": {"view": True},
                    "admin_url": reverse(url_name),
                    "add_url": None,
                    "view_only": True,
                }
            )
    for app in app_list:
        if app["app_label"] == "bookings":
            app["models"] = extra + app["models"]
            break
    return app_list


admin.site.index = _workspace_index
admin.site.get_app_list = _workspace_app_list
