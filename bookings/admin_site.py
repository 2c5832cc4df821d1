"""The clinic's admin site: the staff product.

`ClinicAdminSite` is the site every `@admin.register` lands on (`bookings.apps.
ClinicAdminConfig` names it as the admin's default site). Besides the model pages it hosts
the staff workspace as its own views: the day and week schedule, My day, the weekly
report, adding a therapist, resetting a calendar feed and the notes to sign. Its index
sends a therapist who only treats straight to My day, and lists the workspace first.

The workspace keeps the URLs it had under /admin/bookings/…/ so links and bookmarks stay.
It lives in `bookings` because it shows appointments; `clinic` and `treatments` only
register their models on it. Nothing here renders clinical text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache, partial, wraps
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, get_script_prefix, path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy

from bookings import rules
from bookings.models import Appointment, SessionNote
from bookings.models.notes import AccessAction
from bookings.schedule_grid import grid_pieces, joined
from bookings.selectors.availability import clinic_zone
from bookings.selectors.calendar import calendar_page_context
from bookings.selectors.notes import notes_to_sign
from bookings.selectors.plans import outcome_report
from bookings.selectors.screening import today_questions
from bookings.selectors.workspace import (
    Schedule,
    appointments_for_therapist_day,
    monday_of,
    schedule_for_day,
    schedule_for_week,
    weekly_report,
)
from bookings.services.appointments import appointment_set_status
from bookings.services.notes import access_record, client_ip
from bookings.services.therapists import therapist_onboard, therapist_reset_feed
from bookings.workspace_forms import CheckInForm, TherapistOnboardForm
from clinic import generations
from clinic.models import Therapist
from clinic.redirects import safe_next
from clinic.roles import FRONT_DESK, MANAGER, is_manager, load_access, user_roles
from treatments.models import TreatmentOption

# The app list and the side bar's HTML of each navigation scope (see `navigation_scope`).
# Per process: they hold model classes and lazy names, and depend on the code, not the data.
navigation = generations.Recent(64)

MY_DAY_IS_FOR_THERAPISTS = "My day is for therapists; here is the whole schedule."
FEED_RESET = "The calendar feed link was reset; the old link no longer works."


def parse_day(raw: str | None, default: date) -> date:
    """A `?date=` value, or `default` when it is missing or not a date."""
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def is_therapist_only(user: Any) -> bool:
    """A therapist who is neither front desk nor manager: lands on My day."""
    if not user.is_authenticated or user.is_superuser:
        return False
    if not hasattr(user, "therapist"):
        return False
    return not (user_roles(user) & {FRONT_DESK, MANAGER})


def navigation_scope(request: HttpRequest) -> str:
    """What the admin's app list and side bar show this user depends on, as a cache key:
    the permission flags, the permissions, the roles, whether the user is a therapist (My
    day), the language (names and their order) and the URL prefix. Every model admin's
    `has_*_permission(request)` decides from these (tests/bookings/test_admin_site.py checks
    each role, and lists the admins that override a permission check), so users with the same
    scope are shown the same links. Kept on the request: the page asks twice."""
    found = getattr(request, "_navigation_scope", None)
    if found is None:
        user = request.user
        superuser = user.is_active and user.is_superuser  # has every permission
        parts = (
            user.is_active,
            user.is_staff,
            user.is_superuser,
            () if superuser else tuple(sorted(user.get_all_permissions())),
            tuple(sorted(user_roles(user))),
            hasattr(user, "therapist"),
            get_language(),
            get_script_prefix(),
        )
        found = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        request._navigation_scope = found  # type: ignore[attr-defined]
    return found


def _current_links(app_list: list[dict], request: HttpRequest) -> tuple[str, ...]:
    """The side bar's links that admin/app_list.html marks as the current page's: those
    whose URL is part of the path (`{% if url in request.path|urlencode %}`)."""
    path = quote(request.path)
    urls = [app["app_url"] for app in app_list]
    urls += [model["admin_url"] for app in app_list for model in app["models"]]
    return tuple(url for url in urls if url and url in path)


def _chosen_option(
    request: HttpRequest, token: str | None
) -> tuple[list[TreatmentOption], TreatmentOption | None]:
    """The options staff can book and the one chosen with `?option=` (the first by default):
    the schedule offers the free starts of that option. The list is kept under `token`, from
    `generations.tokens()` of names including the diary, which every change to options,
    treatments and who offers them renews."""
    options = generations.cached(
        token,
        ("staff-bookable-options",),
        lambda: list(rules.bookable_options(online=False)),
    )
    raw = request.GET.get("option")
    chosen = next((o for o in options if str(o.pk) == raw), options[0] if options else None)
    return options, chosen


def check_in_url(appointment: Appointment, *, back: str = "") -> str:
    """The check-in page of an appointment that can still be checked in, else ''."""
    if not rules.can_check_in(appointment):
        return ""
    url = reverse("admin:bookings_appointment_check_in", args=[appointment.pk])
    return f"{url}?{urlencode({'next': back})}" if back else url


def _grid_pieces(
    schedule: Schedule, *, week: bool, can_add: bool, option: TreatmentOption | None
) -> tuple[list, list, timedelta]:
    """The grid's pieces (bookings.schedule_grid) and how far ahead its "Book" links reach."""
    return (*grid_pieces(schedule, week=week, can_add=can_add, option=option), schedule.book_horizon)


def _grid_context(style: list, grid: list, now: datetime, horizon: timedelta) -> dict[str, Any]:
    """The schedule grid and its style sheet, without the "Book" links outside the staff
    booking window at `now` (already past, or further than `horizon` ahead)."""
    latest = now + horizon
    return {
        "grid_style": joined(style, earliest=now, latest=latest),
        "grid": joined(grid, earliest=now, latest=latest),
    }


class ClinicAdminSite(admin.AdminSite):
    index_title = gettext_lazy("Clinic back office")

    @property
    def site_header(self) -> str:  # type: ignore[override]  # read when shown, not at import
        return f"{settings.CLINIC_NAME}: back office"

    @property
    def site_title(self) -> str:  # type: ignore[override]
        return settings.CLINIC_NAME

    # -- index ----------------------------------------------------------------------------
    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if is_therapist_only(request.user) and "full" not in request.GET:
            return redirect("admin:bookings_appointment_my_day")
        return super().index(request, extra_context)

    def workspace_links(self, request: HttpRequest) -> list[tuple[str, str]]:
        """(label, url) of the workspace pages this user may open."""
        user = request.user
        links = []
        if self._may_view_appointments(request):
            links += [
                ("Calendar", reverse("admin:bookings_appointment_calendar")),
                ("Schedule (day)", reverse("admin:bookings_appointment_schedule")),
                ("Schedule (week)", reverse("admin:bookings_appointment_week")),
            ]
        if hasattr(user, "therapist"):
            links.append(("My day", reverse("admin:bookings_appointment_my_day")))
        if self.get_model_admin(SessionNote).has_view_permission(request):
            links.append(("Notes to sign", reverse("admin:bookings_sessionnote_to_sign")))
        if is_manager(user):
            links += [
                ("Weekly report", reverse("admin:bookings_appointment_reports")),
                ("Add a therapist", reverse("admin:bookings_appointment_onboard")),
            ]
        return links

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        # Looked up when the page shows it (not in pop-ups), once.
        sidebar = cache(partial(self.nav_sidebar, request, context["available_apps"]))
        context["nav_sidebar"] = lazy(sidebar, SafeString)()
        return context

    def nav_sidebar(self, request: HttpRequest, app_list: list[dict]) -> SafeString:
        """The side bar's HTML (admin/nav_sidebar.html, shown by admin/base_site.html), kept
        per navigation scope and current links: rendering it was a fifth of a page's time."""
        key = f"sidebar:{navigation_scope(request)}:{'|'.join(_current_links(app_list, request))}"
        html = navigation.get(key)
        if html is None:
            html = mark_safe(  # noqa: S308 - rendered by the template engine, which escaped it
                render_to_string("admin/nav_sidebar.html", {"available_apps": app_list, "request": request})
            )
            navigation.set(key, html)
        return html

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        """The apps, with the workspace first on the index and in the side bar. The full
        list (every admin page's side bar: a permission check and two URLs per model) is
        kept per navigation scope and shared: do not change it."""
        if app_label is not None:
            return self._app_list(request, app_label)
        key = f"apps:{navigation_scope(request)}"
        app_list = navigation.get(key)
        if app_list is None:
            app_list = self._app_list(request, None)
            navigation.set(key, app_list)
        return app_list

    def _app_list(self, request: HttpRequest, app_label: str | None) -> list[dict]:
        app_list = super().get_app_list(request, app_label)
        links = self.workspace_links(request) if app_label is None else []
        if not links:
            return app_list
        workspace = {
            "name": "Workspace",
            "app_label": "workspace",
            "app_url": links[0][1],
            "has_module_perms": True,
            "models": [
                {
                    "name": name,
                    "object_name": "workspace",
                    "perms": {"view": True},
                    "admin_url": url,
                    "add_url": None,
                    "view_only": True,
                }
                for name, url in links
            ],
        }
        return [workspace, *app_list]

    # -- urls -------------------------------------------------------------------------------
    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        """Every admin page (after the staff check): the user's permissions and roles come
        from the cache (clinic.roles.load_access), and the generations are read once for
        them and whatever else the view keeps in the cache."""

        @wraps(view)
        def with_access(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with generations.read_once():
                load_access(request.user)
                return view(request, *args, **kwargs)

        return super().admin_view(with_access, cacheable)

    def get_urls(self) -> list:
        wrap = self.admin_view
        workspace: list[URLPattern] = [
            path("bookings/appointment/schedule/", wrap(self.schedule_view), name="bookings_appointment_schedule"),
            path("bookings/appointment/schedule/week/", wrap(self.week_view), name="bookings_appointment_week"),
            path("bookings/appointment/calendar/", wrap(self.calendar_view), name="bookings_appointment_calendar"),
            path("bookings/appointment/my-day/", wrap(self.my_day_view), name="bookings_appointment_my_day"),
            path(
                "bookings/appointment/<int:appointment_id>/check-in/",
                wrap(self.check_in_view),
                name="bookings_appointment_check_in",
            ),
            path("bookings/appointment/reports/", wrap(self.reports_view), name="bookings_appointment_reports"),
            path(
                "bookings/appointment/onboard-therapist/",
                wrap(self.onboard_view),
                name="bookings_appointment_onboard",
            ),
            path(
                "bookings/appointment/reset-feed/<int:therapist_id>/",
                wrap(self.reset_feed_view),
                name="bookings_appointment_reset_feed",
            ),
            path("bookings/sessionnote/to-sign/", wrap(self.notes_to_sign_view), name="bookings_sessionnote_to_sign"),
        ]
        # First, so they win over the model pages' "<object id>/" patterns.
        return [*workspace, *super().get_urls()]

    # -- workspace views ----------------------------------------------------------------------
    def _may_view_appointments(self, request: HttpRequest) -> bool:
        return self.get_model_admin(Appointment).has_view_permission(request)

    def _context(self, request: HttpRequest, title: str, model: type = Appointment, **extra: Any) -> dict:
        return {**self.each_context(request), "title": title, "opts": model._meta, **extra}

    def schedule_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_view_appointments(request):
            raise PermissionDenied
        now = timezone.now()
        today = timezone.localdate(now, clinic_zone())
        day = parse_day(request.GET.get("date"), today)
        token = generations.tokens(generations.DIARY, generations.CLIENTS)
        options, option = _chosen_option(request, token)
        can_add = self.get_model_admin(Appointment).has_add_permission(request)
        # The grid is the same for every user with the same `can_add` (see schedule_grid),
        # so it is kept per diary and client-name generation, day, option and that scope;
        # "Book" links already past are left out when it is served.
        style, grid, horizon = generations.cached(
            token,
            ("schedule-day", settings.TIME_ZONE, day, option.pk if option else None, can_add),
            lambda: _grid_pieces(
                schedule_for_day(day, now=None, option=option), week=False, can_add=can_add, option=option
            ),
        )
        # Its choices (days, options) are kept the same way: rendering them cost as much.
        day_nav = generations.cached(
            token,
            ("schedule-day-nav", day, today, option.pk if option else None),
            lambda: render_to_string(
                "admin/bookings/includes/schedule_day_nav.html",
                {
                    "options": options,
                    "option": option,
                    "day": day,
                    "today": today,
                    "previous": day - timedelta(days=1),
                    "next": day + timedelta(days=1),
                },
            ),
        )
        return TemplateResponse(
            request,
            "admin/bookings/schedule_day.html",
            self._context(
                request,
                f"Schedule for {day:%A %d %B %Y}",
                **_grid_context(style, grid, now, horizon),
                day_nav=day_nav,
            ),
        )

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        """The interactive calendar; the server-rendered day schedule stays its fallback."""
        if not self._may_view_appointments(request):
            raise PermissionDenied
        today = timezone.localdate(timezone.now(), clinic_zone())
        day = parse_day(request.GET.get("date"), today)
        return TemplateResponse(
            request,
            "admin/bookings/calendar.html",
            self._context(request, "Calendar", **calendar_page_context(request.user, day)),
        )

    def week_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_view_appointments(request):
            raise PermissionDenied
        now = timezone.now()
        today = timezone.localdate(now, clinic_zone())
        therapists = list(Therapist.objects.filter(active=True).order_by("display_name"))
        own = getattr(request.user, "therapist", None)
        chosen = request.GET.get("therapist") or (own.pk if own else None)
        therapist = next((t for t in therapists if str(t.pk) == str(chosen)), None)
        if therapist is None and therapists:
            therapist = therapists[0]
        week_start = monday_of(parse_day(request.GET.get("date"), today))
        options, option = _chosen_option(request, generations.tokens(generations.DIARY))
        can_add = self.get_model_admin(Appointment).has_add_permission(request)
        schedule = (
            schedule_for_week(therapist, week_start, now=now, option=option) if therapist else None
        )
        style, grid, horizon = (
            _grid_pieces(schedule, week=True, can_add=can_add, option=option) if schedule else ([], [], timedelta(0))
        )
        return TemplateResponse(
            request,
            "admin/bookings/schedule_week.html",
            self._context(
                request,
                f"Week of {week_start:%d %B %Y}" + (f": {therapist}" if therapist else ""),
                **_grid_context(style, grid, now, horizon),
                schedule=schedule,
                options=options,
                option=option,
                therapist=therapist,
                therapists=therapists,
                week_start=week_start,
                today=today,
                previous=week_start - timedelta(days=7),
                next=week_start + timedelta(days=7),
            ),
        )

    def my_day_view(self, request: HttpRequest) -> HttpResponse:
        therapist = getattr(request.user, "therapist", None)
        if therapist is None:
            messages.info(request, MY_DAY_IS_FOR_THERAPISTS)
            return redirect("admin:bookings_appointment_schedule")
        today = timezone.localdate(timezone.now(), clinic_zone())
        day = parse_day(request.GET.get("date"), today)
        note_add = reverse("admin:bookings_sessionnote_add")
        here = request.get_full_path()
        rows = [
            (
                appointment,
                f"{note_add}?{urlencode({'appointment': appointment.pk})}",
                check_in_url(appointment, back=here) if day == today else "",
            )
            for appointment in appointments_for_therapist_day(therapist, day)
        ]
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
                feed_url=reverse("bookings:therapist_feed", args=[therapist.calendar_token]),
            ),
        )

    def check_in_view(self, request: HttpRequest, appointment_id: int) -> HttpResponse:
        """Check a client in: ask today's questions (fever, alcohol, painkillers taken), record
        the answers for this visit and pass the session gate, or say why the session cannot
        start, without naming a condition, and offer to move the appointment."""
        model_admin = self.get_model_admin(Appointment)
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        appointment = get_object_or_404(
            Appointment.objects.select_related("client", "treatment_type", "therapist"),
            pk=appointment_id,
        )
        change_url = reverse("admin:bookings_appointment_change", args=[appointment.pk])
        back = safe_next(request, change_url)
        form = CheckInForm(
            request.POST or None, questions=today_questions(appointment.treatment_type.code)
        )
        refusals: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                appointment_set_status(
                    appointment=appointment,
                    from_status=appointment.status,
                    to_status=Appointment.Status.CHECKED_IN,
                    by=request.user,
                    today_answers=form.answers(),
                )
            except ValidationError as exc:
                refusals = exc.messages
            else:
                messages.success(request, f"Checked in: {appointment.client.full_name}.")
                return HttpResponseRedirect(back)
        local = timezone.localtime(appointment.starts_at, clinic_zone())
        return TemplateResponse(
            request,
            "admin/bookings/appointment/check_in.html",
            self._context(
                request,
                f"Check in {appointment.client.full_name}, {local:%a %d %b %H:%M}",
                appointment=appointment,
                form=form,
                refusals=refusals,
                change_url=change_url,
                next=back,
                may_check_in=rules.can_check_in(appointment),
            ),
        )

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        if not is_manager(request.user):
            raise PermissionDenied
        today = timezone.localdate(timezone.now(), clinic_zone())
        first = monday_of(parse_day(request.GET.get("from"), today - timedelta(days=21)))
        try:
            weeks = max(1, min(int(request.GET.get("weeks", 4)), 26))
        except ValueError:
            weeks = 4
        rows = weekly_report(first, weeks)
        return TemplateResponse(
            request,
            "admin/bookings/reports.html",
            self._context(
                request, "Weekly report", rows=rows, first=first, weeks=weeks,
                outcomes=outcome_report(),
            ),
        )

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        if not is_manager(request.user):
            raise PermissionDenied
        form = TherapistOnboardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                therapist = therapist_onboard(**form.service_kwargs())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Added {therapist}.")
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
        my_day = reverse("admin:bookings_appointment_my_day")
        if request.method != "POST":
            return redirect(my_day)
        therapist_reset_feed(therapist=therapist)
        messages.info(request, FEED_RESET)
        return HttpResponseRedirect(safe_next(request, my_day))

    def notes_to_sign_view(self, request: HttpRequest) -> HttpResponse:
        if not self.get_model_admin(SessionNote).has_view_permission(request):
            raise PermissionDenied
        notes = list(notes_to_sign(request.user))
        access_record(
            user=request.user, action=AccessAction.VIEW, object_type="bookings.sessionnote",
            object_id="to sign", client=None, ip=client_ip(request),
        )
        return TemplateResponse(
            request,
            "admin/bookings/sessionnote/to_sign.html",
            self._context(request, "Notes to sign", model=SessionNote, notes=notes),
        )

