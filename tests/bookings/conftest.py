"""Fixtures for the scheduling engine: a fixed "now", working hours and a booking helper."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.models import AppointmentSource, WorkingHours
from bookings.services.appointments import appointment_book
from bookings.services.plans import PlanSpec, plan_book

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


def screening_all_no(option) -> dict[str, bool]:
    """Every health question asked for `option` answered no."""
    from bookings.selectors.online import screening_versions

    asked = screening_versions(option.treatment_type)
    return {v.item.code: False for v in asked["red_flags"] + asked["relevant"]}


def book_online(option, starts_at, *, therapist=None, email="ada.new@example.com", **kwargs):
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
        answers=screening_all_no(option),
        general_consent=True,
        policy_accepted=True,
        **kwargs,
    )


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
    from bookings.views.portal import PORTAL_SESSION_KEY

    session = django_client.session
    session[PORTAL_SESSION_KEY] = person.pk
    session.save()
