"""The public booking flow: one page per step, GET shows, POST saves and redirects.

State lives server-side in a short-lived draft (`bookings.services.drafts`); the session
holds only the draft's random key, never an answer. Every step checks the earlier steps
are done and sends the client back to the first one that is not. The health answers are
dropped as soon as screening refuses, and the draft is removed when the booking is made.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language

from bookings import calendar_links, rules
from bookings.models import BookingPolicy
from bookings.models.notes import AccessAction
from bookings.online_forms import (
    NO_PREFERENCE,
    DetailsForm,
    HealthForm,
    ReviewForm,
    TherapistForm,
    TimeForm,
    TreatmentForm,
)
from bookings.portal_session import portal_client
from bookings.selectors.availability import clinic_zone
from bookings.selectors.online import (
    first_free_slot,
    last_answers,
    next_day_with_space,
    online_booking_for_token,
    screening_verdict,
    screening_versions,
    slot_week,
)
from bookings.services import drafts
from bookings.services.notes import access_record, client_ip
from bookings.services.online import (
    ClientDetails,
    ScreeningRefused,
    SlotTaken,
    online_booking_create,
)
from bookings.views.time_picker import clock, month_section, time_buttons
from clinic import generations
from clinic.models import Therapist
from clinic.ratelimit import count_action, rate_limited
from treatments.models import TreatmentOption

DRAFT_KEY = "online_booking_draft"
DONE_KEY = "online_booking_done"
WINDOW_DAYS = 7
BOT_REFUSED = "We could not accept this form. If you are a person, please call us to book."
STEPS = [
    ("book", "Treatment"),
    ("book_therapist", "Therapist"),
    ("book_time", "Day and time"),
    ("book_details", "Your details"),
    ("book_health", "Health questions"),
    ("book_review", "Review and confirm"),
]
# Which step to go back to when the service names a field.
FIELD_STEP = {
    "client": "bookings:book_details",
    "screening": "bookings:book_health",
    "consents": "bookings:book",
    "start": "bookings:book_time",
    "therapist": "bookings:book_therapist",
    "option": "bookings:book",
}


def _state(request: HttpRequest) -> dict[str, Any]:
    return drafts.draft_load(key=request.session.get(DRAFT_KEY))


def _save(request: HttpRequest, state: dict[str, Any]) -> None:
    key = drafts.draft_save(key=request.session.get(DRAFT_KEY), data=state)
    if request.session.get(DRAFT_KEY) != key:
        request.session[DRAFT_KEY] = key


def _options():
    return rules.bookable_options(online=True)


def _option(state: dict[str, Any]) -> TreatmentOption | None:
    if not state.get("option"):
        return None
    return _options().filter(pk=state["option"]).first()


def _therapist(state: dict[str, Any], option: TreatmentOption) -> Therapist | None:
    if state.get("therapist") in (None, NO_PREFERENCE):
        return None
    return _therapists(option).filter(pk=state["therapist"]).first()


def _time_step_choice(state: dict[str, Any]) -> tuple[TreatmentOption | None, Therapist | None, BookingPolicy]:
    """`_option`, `_therapist` and the booking policy, read together once per catalogue and
    diary generation (every change to options, treatments, therapists, what they offer and
    the policy starts a new one): the time step is the page visitors reload most."""

    def read() -> tuple[TreatmentOption | None, Therapist | None, BookingPolicy]:
        option = _option(state)
        return option, option and _therapist(state, option), BookingPolicy.current()

    return generations.cached(
        generations.tokens(generations.CATALOGUE, generations.DIARY),
        ("time-step-choice", state.get("option"), state.get("therapist")),
        read,
    )


def _therapists(option: TreatmentOption):
    return rules.therapists_offering(option.treatment_type_id)


def _first_missing(state: dict[str, Any], upto: str) -> str | None:
    """The first earlier step not done yet, as a URL name, or None."""
    needs = [
        ("book", "option"),
        ("book_therapist", "therapist"),
        ("book_time", "start"),
        ("book_details", "details"),
        ("book_health", "health"),
    ]
    for step, key in needs:
        if step == upto:
            return None
        if not state.get(key):
            return f"bookings:{step}"
    return None


def _render(request: HttpRequest, template: str, step: str, context: dict[str, Any], status: int = 200):
    names = [s for s, _ in STEPS]
    context.setdefault("steps", STEPS)
    context["step_index"] = names.index(step) + 1 if step in names else None
    context["step_name"] = step
    context["step_count"] = len(STEPS)
    return render(request, f"bookings/public/{template}", context, status=status)


def _parse_start(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return None if timezone.is_naive(parsed) else parsed


DAY_INVALID = "Choose a day from {first:%d %B %Y} to {last:%d %B %Y}; here are the first free times."


def _day(value: str | None, today: date, horizon: date) -> date | None:
    """The day asked for in `?day=`, or None when it is not a date from today to the
    booking horizon (a typo, a stale link, year 9999)."""
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if today <= day <= horizon else None


@rate_limited("booking")
def step_treatment(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    options = list(_options())
    if request.method == "POST":
        form = TreatmentForm(request.POST, options=options)
        if form.is_valid():
            option_id = int(form.cleaned_data["option"])
            if state.get("option") != option_id:
                state = {"flow": state.get("flow") or secrets.token_urlsafe(16)}
            state["option"] = option_id
            state["sensitive"] = form.sensitive_regions
            _save(request, state)
            return redirect("bookings:book_therapist")
    else:
        initial = state.get("option")
        code = request.GET.get("treatment")
        if code:
            initial = next((o.pk for o in options if o.treatment_type.code == code), initial)
        form = TreatmentForm(
            initial={"option": initial and str(initial), "sensitive_consent": bool(state.get("sensitive"))},
            options=options,
        )
    chosen = next((o for o in options if str(o.pk) == str(form["option"].value())), None)
    return _render(
        request, "treatment.html", "book",
        {"form": form, "options": options, "chosen": chosen},
    )


@rate_limited("booking")
def step_therapist(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if missing := _first_missing(state, "book_therapist"):
        return redirect(missing)
    option = _option(state)
    if option is None:
        return redirect("bookings:book")
    therapists = list(_therapists(option))
    if request.method == "POST":
        form = TherapistForm(request.POST, therapists=therapists)
        if form.is_valid():
            if state.get("therapist") != form.cleaned_data["therapist"]:
                state.pop("start", None)
            state["therapist"] = form.cleaned_data["therapist"]
            state.pop("alternatives", None)
            _save(request, state)
            return redirect("bookings:book_time")
    else:
        form = TherapistForm(initial={"therapist": state.get("therapist")}, therapists=therapists)
    return _render(
        request, "therapist.html", "book_therapist",
        {"form": form, "option": option, "therapists": therapists},
    )


def slot_page_context(
    *,
    option: TreatmentOption,
    therapist: Therapist | None,
    day_param: str | None,
    now: datetime,
    policy: BookingPolicy | None = None,
) -> dict[str, Any]:
    """A week of free times from `day_param`, grouped by day, with links to move on.

    A `day_param` that is not a bookable day gives the first week with `day_error` set;
    the page then answers 400 with that message."""
    today = now.astimezone(clinic_zone()).date()
    horizon = (now + (policy or BookingPolicy.current()).max_advance).astimezone(clinic_zone()).date()
    start_day = _day(day_param, today, horizon)
    day_error = None
    if start_day is None:
        start_day, day_error = today, DAY_INVALID.format(first=today, last=horizon)
    days, next_day = slot_week(
        option=option, therapist=therapist, start_date=start_day, days=WINDOW_DAYS, now=now
    )
    last_day = start_day + timedelta(days=WINDOW_DAYS - 1)
    if not days and next_day is None:
        next_day = next_day_with_space(option=option, therapist=therapist, after=start_day - timedelta(days=1), now=now)
        next_day = next_day if next_day and next_day > start_day else None
    earlier = max(start_day - timedelta(days=WINDOW_DAYS), today) if start_day > today else None
    return {
        "days": days,
        "start_day": start_day,
        "last_day": last_day,
        "next_day": next_day,
        "earlier_day": earlier,
        "starts": [s.start.isoformat() for _, slots in days for s in slots],
        "day_error": day_error,
    }


SHORTCUT_GONE = "That time has just been taken. Please choose another; the first free time is shown again."
# Where a time of day falls on the page: (heading, from hour, to hour), local clinic time.
DAY_PARTS = (("Morning", 0, 12), ("Afternoon", 12, 17), ("Evening", 17, 24))


def _requested(
    day_param: str | None, month_param: str | None, today: date, horizon: date
) -> tuple[date | None, date | None, str | None]:
    """The month and day the URL asks for, each None when not asked for, and the error to
    show (the page then answers 400) when either is not a bookable date."""
    error = DAY_INVALID.format(first=today, last=horizon)
    if day_param:
        day = _day(day_param, today, horizon)
        return (None, None, error) if day is None else (day.replace(day=1), day, None)
    if not month_param:
        return None, None, None
    try:
        month = datetime.strptime(month_param, "%Y-%m").date()  # noqa: DTZ007
    except ValueError:
        return None, None, error
    if not today.replace(day=1) <= month <= horizon:
        return None, None, error
    return month, None, None


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def month_page_context(
    *,
    option: TreatmentOption,
    therapist: Therapist | None,
    day_param: str | None,
    month_param: str | None,
    now: datetime,
    policy: BookingPolicy | None = None,
) -> dict[str, Any]:
    """A month of days with the number of free times on each, and the times of one day.

    Without a month asked for, the month of the first day with space; without a day, the
    first day with space in the month. Only the days of the month shown are worked out."""
    today = now.astimezone(clinic_zone()).date()
    horizon = (now + (policy or BookingPolicy.current()).max_advance).astimezone(clinic_zone()).date()
    month, day, day_error = _requested(day_param, month_param, today, horizon)
    asked_month = month is not None
    month = month or today.replace(day=1)

    def load(month: date) -> tuple[date, list[tuple[date, list[Any]]], date | None]:
        first = max(month, today)
        shown, next_day = slot_week(
            option=option, therapist=therapist, start_date=first,
            days=(_month_end(month) - first).days + 1, now=now,
        )
        return first, shown, next_day

    first, shown, next_day = load(month)
    if not shown and not asked_month and next_day is not None:
        month = next_day.replace(day=1)
        first, shown, next_day = load(month)
    by_day = dict(shown)
    if day is None and shown:
        day = shown[0][0]
    times = by_day.get(day, []) if day else []
    weeks = tuple(
        tuple((d, len(by_day.get(d, ()))) if d.month == month.month else None for d in week)
        for week in calendar.Calendar().monthdatescalendar(month.year, month.month)
    )
    parts = [
        (name, [(s.start.isoformat(), clock(s.start)) for s in times if low <= s.start.hour < high])
        for name, low, high in DAY_PARTS
    ]
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = _month_end(month) + timedelta(days=1)
    # The month's own first time is the first free one when the month shown starts today
    # or was chosen as the first with space: no second search for the shortcut.
    first_here = shown[0][1][0] if shown and (first == today or not asked_month) else None
    return {
        "month": month,
        "weeks": weeks,
        "day": day,
        "day_parts": [(name, slots) for name, slots in parts if slots],
        "day_error": day_error,
        "previous_month": previous_month if previous_month >= today.replace(day=1) else None,
        "next_month": next_month if next_month <= horizon else None,
        "next_day": next_day if not shown else None,
        # Read only to check a posted time: a page shown afresh needs none of them.
        "starts": (s.start.isoformat() for _, slots in shown for s in slots),
        "first_here": first_here,
    }


def _shortcuts(
    *, option: TreatmentOption, therapist: Therapist | None, first_here: Any, now: datetime
) -> list[tuple[str, str, Any]]:
    """(kind, label, slot): the first free time with anyone and, when a therapist was
    chosen, the next free time with them."""
    if therapist is None:
        anyone = first_here or first_free_slot(option=option, therapist=None, now=now)
        return [("first", "First available", anyone)] if anyone else []
    found = []
    theirs = first_here or first_free_slot(option=option, therapist=therapist, now=now)
    anyone = first_free_slot(option=option, therapist=None, now=now)
    # Someone else free earlier is worth offering; the same time again is not.
    if anyone and (theirs is None or anyone.start < theirs.start):
        found.append(("first", "First available, any therapist", anyone))
    if theirs:
        found.append(("therapist", f"Next available with {therapist.display_name}", theirs))
    return found


@rate_limited("booking")
@generations.read_once()
def step_time(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if missing := _first_missing(state, "book_time"):
        return redirect(missing)
    option, therapist, policy = _time_step_choice(state)
    if option is None:
        return redirect("bookings:book")
    now = timezone.now()
    data = request.POST if request.method == "POST" else request.GET
    as_list = request.GET.get("view") == "list"
    if as_list:
        context = slot_page_context(
            option=option, therapist=therapist, day_param=data.get("day"), now=now, policy=policy
        )
        context["view_list"] = True
    else:
        context = month_page_context(
            option=option, therapist=therapist, day_param=data.get("day"), month_param=data.get("month"),
            now=now, policy=policy,
        )
    shortcut_error = ""
    if request.method == "POST" and data.get("shortcut") in ("first", "therapist"):
        kind = data["shortcut"]
        slot = first_free_slot(option=option, therapist=therapist if kind == "therapist" else None, now=now)
        if slot is not None and slot.start.isoformat() == data.get("start"):
            state["start"] = data["start"]
            if kind == "first" and therapist is not None:
                state["therapist"] = NO_PREFERENCE
            state.pop("alternatives", None)
            _save(request, state)
            return redirect("bookings:book_details")
        shortcut_error = SHORTCUT_GONE
        form = TimeForm(initial={"start": state.get("start")})
    elif request.method == "POST":
        form = TimeForm(request.POST, starts=context["starts"])
        if form.is_valid():
            state["start"] = form.cleaned_data["start"]
            state.pop("alternatives", None)
            _save(request, state)
            return redirect("bookings:book_details")
    else:
        form = TimeForm(initial={"start": state.get("start")})
    context.update({"form": form, "option": option, "therapist": therapist})
    status = 400 if context["day_error"] else 200
    if as_list:
        return _render(request, "time_list.html", "book_time", context, status=status)
    context["shortcuts"] = _shortcuts(option=option, therapist=therapist, first_here=context["first_here"], now=now)
    context["shortcut_error"] = shortcut_error
    context["month_section"] = month_section(
        language=get_language(), month=context["month"], weeks=context["weeks"], chosen=context["day"],
        previous_month=context["previous_month"], next_month=context["next_month"], next_day=context["next_day"],
    )
    context["time_buttons"] = time_buttons(context["day_parts"], form["start"].value())
    return _render(request, "time.html", "book_time", context, status=status)


@rate_limited("booking")
def step_details(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if missing := _first_missing(state, "book_details"):
        return redirect(missing)
    bot = False
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_bot:
            bot = True
            form.is_valid()
            form.add_error(None, BOT_REFUSED)
        elif form.is_valid():
            state["details"] = {k: form.cleaned_data[k].strip() for k in ("name", "email", "phone")}
            _save(request, state)
            return redirect("bookings:book_health")
    else:
        form = DetailsForm(initial=state.get("details") or _portal_details(request))
    return _render(request, "details.html", "book_details", {"form": form}, status=400 if bot else 200)


def _portal_details(request: HttpRequest) -> dict[str, str]:
    """A client signed in to the portal starts with their own details filled in."""
    client = portal_client(request)
    if client is None:
        return {}
    return {"name": client.full_name, "email": client.email, "phone": client.phone}


def _last_answers(request: HttpRequest, state: dict[str, Any], codes: list[str]) -> dict[str, bool] | None:
    """The signed-in client's answers on record, when this booking is for them (the email
    typed is theirs): they confirm those instead of answering again. The read is logged."""
    client = portal_client(request)
    email = (state.get("details") or {}).get("email", "")
    if client is None or not client.email or client.email.lower() != email.lower():
        return None
    found = last_answers(client=client, codes=codes)
    if found is not None:
        access_record(
            user=None, action=AccessAction.VIEW, client=client, ip=client_ip(request),
            object_type="treatments.contraindicationanswer", object_id=f"client:{client.pk}",
        )
    return found


@rate_limited("booking")
def step_health(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if missing := _first_missing(state, "book_health"):
        return redirect(missing)
    option = _option(state)
    if option is None:
        return redirect("bookings:book")
    versions = screening_versions(option.treatment_type)
    red_flags, relevant = versions["red_flags"], versions["relevant"]
    last = _last_answers(request, state, [v.item.code for v in relevant]) if relevant else None
    kwargs = {"red_flags": red_flags, "relevant": relevant, "last_answers": last}
    if request.method == "POST":
        form = HealthForm(request.POST, **kwargs)
        if form.is_valid():
            answers = form.answers()
            sensitive = state.get("sensitive", [])
            verdict = screening_verdict(option=option, answers=answers, sensitive_consents=sensitive)
            if not verdict.allowed:
                return _refused(request, state, ScreeningRefused(verdict))
            state["health"] = {"answers": answers}
            state["needs_clearance"] = verdict.needs_clearance
            _save(request, state)
            return redirect("bookings:book_review")
    else:
        # Back or reload shows the answers given; a returning client sees their last ones
        # (those never include the red flags, which are asked afresh each time).
        answers = (state.get("health") or {}).get("answers") or last or {}
        form = HealthForm(initial=HealthForm.initial_from(answers, red_flags, relevant), **kwargs)
    return _render(request, "health.html", "book_health", {"form": form, "option": option})


def _refused(request: HttpRequest, state: dict[str, Any], refused: ScreeningRefused) -> HttpResponse:
    # Keep nothing about someone we did not book: only the advice to show them.
    _save(request, {"outcome": {"referral": refused.referral, "advice": refused.advice}})
    return redirect("bookings:book_advice")


@rate_limited("booking")
def step_review(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if missing := _first_missing(state, "book_review"):
        return redirect(missing)
    option = _option(state)
    if option is None:
        return redirect("bookings:book")
    therapist = _therapist(state, option)
    if state.get("therapist") not in (None, NO_PREFERENCE) and therapist is None:
        return redirect("bookings:book_therapist")
    state.setdefault("flow", secrets.token_urlsafe(16))
    alternatives = state.get("alternatives") or []
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        form = ReviewForm(request.POST, alternatives=alternatives, flow=state["flow"])
        if form.is_valid():
            start_iso = form.cleaned_data.get("start") or state["start"]
            start = _parse_start(start_iso)
            health, details = state["health"], state["details"]
            try:
                booking = online_booking_create(
                    option=option,
                    starts_at=start if start else start_iso,
                    therapist=therapist,
                    details=ClientDetails(**details),
                    answers=health["answers"],
                    sensitive_consents=state.get("sensitive", []),
                    general_consent=True,
                    policy_accepted=True,
                    # The flow's own token from the session, never one sent by the browser.
                    idempotency_key=state["flow"],
                    requester="web",
                )
            except ScreeningRefused as refused:
                return _refused(request, state, refused)
            except SlotTaken as taken:
                state["start"] = start_iso
                state["alternatives"] = [s.start.isoformat() for s in taken.alternatives]
                state["taken"] = True
                _save(request, state)
                return redirect("bookings:book_review")
            except ValidationError as exc:
                problems = [
                    (FIELD_STEP.get(field, "bookings:book"), message)
                    for field, messages in exc.message_dict.items()
                    for message in messages
                ]
            else:
                count_action(request, "booking")
                drafts.draft_discard(key=request.session.pop(DRAFT_KEY, None))
                request.session[DONE_KEY] = booking.manage_token
                return redirect("bookings:book_done")
    else:
        form = ReviewForm(initial={"flow": state["flow"]}, alternatives=alternatives, flow=state["flow"])
    taken = state.pop("taken", False)
    _save(request, state)
    policy = BookingPolicy.current()
    start = _parse_start(state["start"])
    context = {
        "form": form,
        "option": option,
        "therapist": therapist,
        "start": start and timezone.localtime(start, clinic_zone()),
        "details": state["details"],
        "needs_clearance": state.get("needs_clearance"),
        "policy_text": policy.cancellation_policy_text,
        "window_hours": int(rules.accepted_window(policy).total_seconds()) // 3600,
        "taken": taken or bool(alternatives),
        "alternatives": [(iso, _parse_start(iso)) for iso in alternatives],
        "problems": problems,
        "flow": state["flow"],
    }
    return _render(request, "review.html", "book_review", context)


def done(request: HttpRequest) -> HttpResponse:
    booking = online_booking_for_token(request.session.get(DONE_KEY, ""))
    if booking is None:
        return redirect("bookings:book")
    # The address as typed, never the stored one: the page must not tell what the clinic
    # holds about an address.
    appointment = booking.appointment
    return render(
        request,
        "bookings/public/done.html",
        {
            "booking": booking,
            "appointment": appointment,
            "submission": booking.submission,
            "google_calendar_url": calendar_links.google_calendar_url(appointment),
            "outlook_calendar_url": calendar_links.outlook_calendar_url(appointment),
            "map_url": calendar_links.map_url(),
        },
    )


def advice(request: HttpRequest) -> HttpResponse:
    outcome = _state(request).get("outcome")
    if not outcome:
        return redirect("bookings:book")
    return render(request, "bookings/public/advice.html", outcome)
