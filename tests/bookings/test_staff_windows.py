"""The front desk books same-day walk-ins and long courses; clients online keep the
notice and advance windows. Grid, hours and overlaps are the same for everyone."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings import errors
from bookings.models import BookingPolicy
from bookings.services.appointments import appointment_reschedule
from tests.bookings.conftest import MONDAY, NOW, book, local

pytestmark = pytest.mark.django_db

TWO_HOURS_ON = NOW + timedelta(hours=2)  # Friday 14:00, inside the 12-hour notice


def test_staff_book_a_same_day_walk_in_that_a_client_online_may_not(
    working_therapist, client_person, option_60
):
    with pytest.raises(ValidationError, match=errors.TOO_SOON):
        book(client_person, option_60, TWO_HOURS_ON, therapist=working_therapist, source="online")
    walk_in = book(client_person, option_60, TWO_HOURS_ON, therapist=working_therapist, source="staff")
    assert walk_in.starts_at == TWO_HOURS_ON


def test_staff_book_beyond_the_online_horizon_but_never_in_the_past(
    working_therapist, client_person, option_60
):
    far = local(MONDAY + timedelta(days=120), 10)
    with pytest.raises(ValidationError, match=errors.TOO_FAR_AHEAD):
        book(client_person, option_60, far, therapist=working_therapist, source="online")
    assert book(client_person, option_60, far, therapist=working_therapist, source="staff").pk
    with pytest.raises(ValidationError, match=errors.IN_THE_PAST):
        book(client_person, option_60, NOW - timedelta(hours=1), therapist=working_therapist, source="staff")


def test_staff_windows_keep_the_grid_hours_and_overlaps(working_therapist, client_person, other_client, option_60):
    with pytest.raises(ValidationError, match=errors.OFF_GRID):
        book(client_person, option_60, TWO_HOURS_ON + timedelta(minutes=5), therapist=working_therapist, source="staff")
    with pytest.raises(ValidationError, match=errors.OUTSIDE_HOURS):
        book(client_person, option_60, local(MONDAY, 7), therapist=working_therapist, source="staff")
    book(client_person, option_60, TWO_HOURS_ON, therapist=working_therapist, source="staff")
    with pytest.raises(ValidationError, match=errors.SLOT_TAKEN):
        book(other_client, option_60, TWO_HOURS_ON, therapist=working_therapist, source="staff")


def test_staff_move_into_the_notice_window_but_a_client_may_not(working_therapist, client_person, option_60):
    appointment = book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)
    with pytest.raises(ValidationError, match=errors.TOO_SOON):
        appointment_reschedule(appointment=appointment, starts_at=TWO_HOURS_ON, now=NOW)
    moved = appointment_reschedule(appointment=appointment, starts_at=TWO_HOURS_ON, now=NOW, by_staff=True)
    assert moved.starts_at == TWO_HOURS_ON


def test_the_staff_policy_is_an_unsaved_copy(db):
    policy = BookingPolicy.current()
    staff = policy.for_staff()
    assert staff.min_notice == timedelta(0) and staff.max_advance >= timedelta(days=366)
    assert BookingPolicy.current().min_notice == timedelta(hours=12)
