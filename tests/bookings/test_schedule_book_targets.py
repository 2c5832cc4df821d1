"""Property: the staff schedule's "Book" targets come from `Diary`, so for a random diary
every start the schedule offers for the chosen option books through the service, and no
start it leaves out books."""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import AppointmentSource, BookingPolicy, TimeOff, WorkingHours
from bookings.selectors.workspace import schedule_for_day
from bookings.services.appointments import appointment_book
from tests.bookings.conftest import MONDAY, NOW, TORONTO
from tests.conftest import make_client, make_therapist
from treatments.models import TreatmentOption

pytestmark = pytest.mark.django_db

diary = st.fixed_dictionaries(
    {
        "shifts": st.lists(
            st.tuples(st.integers(7 * 12, 15 * 12).map(lambda n: n * 5), st.integers(6, 8 * 12).map(lambda n: n * 5)),
            min_size=1,
            max_size=2,
        ),
        "booked": st.lists(st.integers(7 * 12, 19 * 12).map(lambda n: n * 5), max_size=4),
        "time_off": st.lists(st.tuples(st.integers(7 * 12, 19 * 12).map(lambda n: n * 5), st.integers(5, 180)), max_size=2),
        "step": st.sampled_from([5, 10, 15, 30]),
        "option": st.sampled_from([("trigger-point", 30), ("trigger-point", 60), ("deep-tissue", 90)]),
        "probes": st.lists(st.integers(0, 24 * 12 - 1).map(lambda n: n * 5), min_size=1, max_size=8),
    }
)


class Rollback(Exception):
    pass


def books(option, therapist, start) -> bool:
    """Whether the service would book `start` (the booking is rolled back either way)."""
    try:
        with transaction.atomic():
            appointment_book(
                client=make_client(), option=option, starts_at=start, therapist=therapist,
                source=AppointmentSource.STAFF, now=NOW,
            )
            raise Rollback
    except Rollback:
        return True
    except ValidationError:
        return False


def at(minutes: int) -> datetime:
    return datetime.combine(MONDAY, time(0), tzinfo=TORONTO) + timedelta(minutes=minutes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=diary)
def test_every_offered_start_books_and_no_other_start_does(case):
    with transaction.atomic():
        therapist = make_therapist()
        BookingPolicy.objects.filter(pk=1).update(slot_step_minutes=case["step"])
        for start, length in case["shifts"]:
            end = min(start + length, 23 * 60 + 55)
            WorkingHours.objects.create(
                therapist=therapist, weekday=MONDAY.isoweekday(),
                start_time=time(start // 60, start % 60), end_time=time(end // 60, end % 60),
            )
        for start, length in case["time_off"]:
            TimeOff.objects.create(therapist=therapist, starts_at=at(start), ends_at=at(start + length))
        code, minutes = case["option"]
        option = TreatmentOption.objects.select_related("treatment_type").get(
            treatment_type__code=code, duration_minutes=minutes
        )
        for start in case["booked"]:
            with contextlib.suppress(ValidationError):  # a random time that does not fit
                appointment_book(
                    client=make_client(), option=option, starts_at=at(start), therapist=therapist,
                    source=AppointmentSource.STAFF, now=NOW,
                )

        schedule = schedule_for_day(MONDAY, now=NOW, option=option)
        (column,) = [c for c in schedule.columns if c.therapist_id == therapist.pk]
        offered = {free.starts_at for free in column.free}

        for start in offered:
            assert books(option, therapist, start), start
        for minute in case["probes"]:
            start = at(minute)
            assert books(option, therapist, start) == (start in offered), start
        transaction.set_rollback(True)
