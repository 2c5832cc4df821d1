"""Fixtures for the scheduling engine: a fixed "now", working hours and a booking helper."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bookings.models import AppointmentSource, WorkingHours
from bookings.selectors.online import screening_versions
from bookings.services import notes as note_services
from bookings.services.appointments import appointment_book
from bookings.services.plans import PlanSpec, plan_book
from tests.factories import start_note, visit_asked

TORONTO = ZoneInfo("America/Toronto")
# A Friday noon; Monday 2026-11-23 is comfortably past the 12-hour notice.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=TORONTO)
MONDAY = datetime(2026, 11, 23).date()


def local(day, hh: int, mm: int = 0) -> datetime:
    """An aware clinic wall-clock time on a date."""
    return datetime.combine(day, time(hh, mm), tzinfo=TORONTO)


def add_hours(therapist, start: str = "09:00", end: str = "17:00", weekdays=range(1, 8)) -> None:
    for weekday in weekdays:
        WorkingHours.objects.create(
            therapist=therapist,
            weekday=weekday,
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
        )


def book(client, option, starts_at, therapist=None, **kwargs):
    # As a client booking online: the windows the slot list shows (staff windows are wider).
    kwargs.setdefault("source", AppointmentSource.ONLINE)
    kwargs.setdefault("now", NOW)
    return appointment_book(
        client=client, option=option, starts_at=starts_at, therapist=therapist, **kwargs
    )


def treat(appointment):
    """Mark a booked appointment as given (checked in), so its therapist counts as treating
    the client; fixtures only, the clock rules for check-in are tested elsewhere."""
    from bookings.models import Appointment, AppointmentStatus

    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CHECKED_IN)
    appointment.refresh_from_db()
    return appointment


def all_no(option) -> dict[str, bool]:
    """"No" to every question the health step asks for `option`."""
    asked = screening_versions(option.treatment_type)
    return {v.item.code: False for v in asked["red_flags"] + asked["relevant"]}


def at_time_step(option, therapist="any"):
    """A browser whose booking has reached the time step (`therapist`: a pk or "any")."""
    from django.test import Client as Browser

    browser = Browser()
    browser.post(reverse("bookings:book"), {"option": option.pk})
    browser.post(reverse("bookings:book_therapist"), {"therapist": str(therapist)})
    return browser


def walk_to_review(browser, option, slot, *, email="new@example.com", therapist="any", answers=None,
                   name="Nia New"):
    """Go through the public booking pages up to the review step; returns the health POST."""
    url = lambda name, *args: reverse(f"bookings:{name}", args=args)  # noqa: E731
    chosen = {"option": option.pk} | ({"sensitive_consent": "on"} if option.treatment_type.sensitive_region else {})
    assert browser.post(url("book"), chosen).status_code == 302
    assert browser.post(url("book_therapist"), {"therapist": therapist}).status_code == 302
    response = browser.post(url("book_time"), {"start": slot.start.isoformat(), "day": slot.start.date().isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert browser.post(url("book_details"), {"name": name, "email": email, "phone": "+1 416 555 0177"}).status_code == 302
    answers = all_no(option) if answers is None else answers
    return browser.post(url("book_health"), health_form_data(option, answers))


def health_form_data(option, answers: dict[str, bool]) -> dict:
    """The health step's POST for `answers`, as a client fills it in: "None of these apply
    to me" for the warning signs unless one applies (then yes or no to each of them), and
    a tick for each other item that applies, or "None of these apply to me"."""
    asked = screening_versions(option.treatment_type)
    red_flags = [v.item.code for v in asked["red_flags"]]
    others = [v.item.code for v in asked["relevant"]]
    data: dict = {}
    if any(answers.get(c) for c in red_flags):
        data["red_flags"] = "some"
        data |= {f"q_{c}": "yes" if answers.get(c) else "no" for c in red_flags}
    elif red_flags:
        data["red_flags"] = "none"
    ticked = [c for c in others if answers.get(c)]
    if ticked:
        data["conditions"] = ticked
    elif others:
        data["no_conditions"] = "on"
    return data


def flow_token(browser) -> str:
    """The flow token the review page of this browser's booking carries."""
    page = browser.get(reverse("bookings:book_review")).content.decode()
    return page.split('name="flow" value="', 1)[1].split('"', 1)[0]


def flow_state(browser) -> dict:
    """What the booking flow keeps for this browser (its server-side draft)."""
    from bookings.services.drafts import draft_load
    from bookings.views.public import DRAFT_KEY

    return draft_load(key=browser.session.get(DRAFT_KEY))


def confirm_review(browser, **extra):
    return browser.post(
        reverse("bookings:book_review"),
        {"flow": flow_token(browser), "general_consent": "on", "policy_accepted": "on", **extra},
    )


@pytest.fixture(autouse=True)
def _clinic_zone_and_fast_passwords(settings):
    settings.TIME_ZONE = "America/Toronto"
    # The personas get real passwords; PBKDF2 would make each test spend a second hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def working_therapist(therapist):
    """Maya Chen, working 09:00-17:00 every day of the week."""
    add_hours(therapist)
    return therapist


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def one_hour_later():
    return timedelta(hours=1)


def book_online(option, starts_at, *, therapist=None, email="ada.new@example.com", answers=None, **kwargs):
    """A client booking on the public site with every health answer no (the OnlineBooking)."""
    from bookings.services.online import ClientDetails, online_booking_create

    region = option.treatment_type.sensitive_region
    kwargs.setdefault("sensitive_consents", [region] if region else [])
    kwargs.setdefault("now", NOW)
    return online_booking_create(
        option=option,
        starts_at=starts_at,
        therapist=therapist,
        details=ClientDetails(name="Ada Newcomer", email=email, phone="+1 416 555 0199"),
        answers=all_no(option) if answers is None else answers,
        general_consent=True,
        policy_accepted=True,
        **kwargs,
    )
def make_history(client, therapist, option, visits: int, *, unsigned: int = 0, hour: int = 10) -> list:
    """`visits` completed appointments of `client` with `therapist`, one a day at `hour`
    up to the day before NOW (400 or more span two calendar years), each with a session
    note; the last `unsigned` notes are drafts."""
    from bookings.models import Appointment, SessionNote

    day = NOW.date() - timedelta(days=visits)
    rows = []
    for i in range(visits):
        start = local(day + timedelta(days=i), hour)
        rows.append(
            Appointment(
                client=client, therapist=therapist, treatment_type=option.treatment_type,
                option=option, duration_minutes=60, price=option.price, source="staff",
                status="completed", starts_at=start, ends_at=start + timedelta(hours=1),
                buffer_ends_at=start + timedelta(minutes=70),
            )
        )
    Appointment.objects.bulk_create(rows)
    SessionNote.objects.bulk_create(
        SessionNote(
            appointment=a, client=client, therapist=therapist, complaint="Left buttock pain",
            pain_before=6, pain_after=4, created_at=a.starts_at, updated_at=a.ends_at,
            **({"status": "draft"} if i >= visits - unsigned
               else {"status": "signed", "signed_at": a.ends_at, "signed_by": therapist.user}),
        )
        for i, a in enumerate(rows)
    )
    return rows


def spec_for(client, therapist, option, **overrides) -> PlanSpec:
    """A weekly plan of 8 sessions on Mondays at 10:00 from MONDAY, following pain and
    Roland-Morris."""
    values = dict(
        client=client,
        therapist=therapist,
        option=option,
        goal="Sit through a work meeting without leg pain",
        sessions=8,
        interval_days=7,
        weekday=1,
        start_time=time(10, 0),
        first_date=MONDAY,
        measures=("nprs", "rmdq"),
    )
    values.update(overrides)
    return PlanSpec(**values)


def make_plan(client, therapist, option, **overrides):
    return plan_book(spec=spec_for(client, therapist, option, **overrides), now=NOW)


def sign_into_portal(django_client, person) -> None:
    from bookings.portal_session import PORTAL_SESSION_KEY

    session = django_client.session
    session[PORTAL_SESSION_KEY] = person.pk
    session.save()


@pytest.fixture
def note(client_person, therapist, option_60):
    return start_note(client_person, therapist, option_60)


@pytest.fixture
def clear_note(note, therapist):
    """A draft whose checklist is confirmed with no findings (red flags asked: all 'no')."""
    note_services.note_save_checklist(note=note, answers=visit_asked(), by=therapist.user)
    note.refresh_from_db()
    return note


@pytest.fixture
def no_rate_limit(settings):
    """The booking pages without their per-address limit (these tests post many times)."""
    from django.core.cache import cache

    settings.BOOKING_RATE_LIMIT = ""
    cache.clear()
