"""The booking service: one rule set, clear refusals, compare-and-swap status changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bookings import errors
from bookings.models import Appointment, AppointmentStatus, Closure, TimeOff
from bookings.services import appointments as services
from bookings.services.appointments import (
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from clinic.models import Room
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local
from tests.conftest import make_client, make_therapist
from tests.factories import screened, today_no
from treatments.models import TreatmentOption, TreatmentType

pytestmark = pytest.mark.django_db
Status = AppointmentStatus


def refused(message: str):
    return pytest.raises(ValidationError, match=message.replace(".", r"\.").replace("(", r"\("))


def test_booking_snapshots_option_price_and_blocked_time(working_therapist, client_person, option_60):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    assert appointment.status == Status.BOOKED
    assert appointment.price == Decimal("125.00")
    assert appointment.duration_minutes == 60
    assert appointment.treatment_type_id == option_60.treatment_type_id
    assert appointment.ends_at == local(MONDAY, 10)
    assert appointment.buffer_ends_at == local(MONDAY, 10, 10)
    TreatmentOption.objects.filter(pk=option_60.pk).update(price=Decimal("150.00"))
    appointment.refresh_from_db()
    assert appointment.price == Decimal("125.00")


def test_second_booking_for_the_same_slot_is_refused(working_therapist, client_person, other_client, option_60):
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    with refused(errors.SLOT_TAKEN):
        book(other_client, option_60, local(MONDAY, 9, 30), therapist=working_therapist)
    assert Appointment.objects.count() == 1


def test_booking_just_after_the_buffer_is_accepted(working_therapist, client_person, other_client):
    option_45 = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=45)
    book(client_person, option_45, local(MONDAY, 9), therapist=working_therapist)  # to 09:55
    book(other_client, option_45, local(MONDAY, 10), therapist=working_therapist)
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (local(MONDAY, 7), errors.OUTSIDE_HOURS),
        (local(MONDAY, 16, 30), errors.OUTSIDE_HOURS),  # would end after 17:00
        (local(MONDAY, 9, 10), errors.OFF_GRID),
        (NOW + timedelta(hours=2), errors.TOO_SOON),
        (NOW + timedelta(days=91), errors.TOO_FAR_AHEAD),
        (local(MONDAY + timedelta(days=1), 9), errors.CLINIC_CLOSED),
        (local(MONDAY, 12), errors.THERAPIST_AWAY),
    ],
    ids=["before-hours", "past-hours", "off-grid", "too-soon", "too-far", "closed", "away"],
)
def test_times_the_slot_list_leaves_out_are_refused_with_a_reason(
    working_therapist, client_person, option_60, starts_at, message
):
    Closure.objects.create(date=MONDAY + timedelta(days=1))
    TimeOff.objects.create(therapist=working_therapist, starts_at=local(MONDAY, 12), ends_at=local(MONDAY, 13))
    with refused(message):
        book(client_person, option_60, starts_at, therapist=working_therapist)


def test_naive_datetime_is_refused(working_therapist, client_person, option_60):
    with refused(errors.NAIVE_DATETIME):
        book(client_person, option_60, datetime(2026, 11, 23, 9), therapist=working_therapist)


def test_therapist_who_does_not_offer_the_treatment_is_refused(client_person, option_60):
    other = make_therapist("Ola Nordmann", treatments=["deep-tissue"])
    add_hours(other)
    with refused(errors.THERAPIST_DOES_NOT_OFFER):
        book(client_person, option_60, local(MONDAY, 9), therapist=other)


def test_online_booking_of_a_staff_only_treatment_is_refused_but_staff_may_book_it(
    working_therapist, client_person, option_60
):
    TreatmentType.objects.filter(pk=option_60.treatment_type_id).update(bookable_online=False)
    with refused(errors.NOT_BOOKABLE_ONLINE):
        book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist, source="online")
    assert book(
        client_person, option_60, local(MONDAY, 9), therapist=working_therapist, source="staff"
    ).pk


def test_inactive_option_is_refused(working_therapist, client_person, option_60):
    TreatmentOption.objects.filter(pk=option_60.pk).update(active=False)
    with refused(errors.TREATMENT_UNAVAILABLE):
        book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)


def test_no_preference_picks_the_least_booked_free_therapist_then_by_name(client_person, other_client, option_60):
    zoe = make_therapist("Zoe Adams")
    abe = make_therapist("Abe Brown")
    add_hours(zoe)
    add_hours(abe)
    first = book(client_person, option_60, local(MONDAY, 9))
    assert first.therapist == abe  # equal load: by name
    second = book(other_client, option_60, local(MONDAY, 11))
    assert second.therapist == zoe  # Abe already has one that day
    third = book(make_client("Alan", "Turing"), option_60, local(MONDAY, 11, 15))
    assert third.therapist == abe  # Zoe is busy at 11:15


def test_no_preference_when_nobody_is_free_says_so(working_therapist, client_person, other_client, option_60):
    book(client_person, option_60, local(MONDAY, 9))
    with refused(errors.SLOT_TAKEN):
        book(other_client, option_60, local(MONDAY, 9))


def test_rooms_are_assigned_and_the_last_room_cannot_be_double_booked(
    working_therapist, other_therapist, client_person, other_client, option_60
):
    add_hours(other_therapist)
    room = Room.objects.create(name="Room 1")
    first = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    assert first.room == room
    with refused(errors.NO_ROOM):
        book(other_client, option_60, local(MONDAY, 9), therapist=other_therapist)
    with refused(errors.SLOT_TAKEN):
        book(other_client, option_60, local(MONDAY, 9), therapist=other_therapist, room=room)


def test_database_refusal_becomes_the_domain_error(
    monkeypatch, working_therapist, client_person, other_client, option_60
):
    """Even if the application check were wrong, the database guard answers SLOT_TAKEN."""
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    monkeypatch.setattr(services.Diary, "refusal", lambda self, *args, **kwargs: None)
    with refused(errors.SLOT_TAKEN):
        book(other_client, option_60, local(MONDAY, 9), therapist=working_therapist)
    assert Appointment.objects.count() == 1


# -- reschedule ---------------------------------------------------------------------------
def test_reschedule_moves_the_appointment_and_frees_the_old_time(
    working_therapist, client_person, other_client, option_60
):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    moved = appointment_reschedule(appointment=appointment, starts_at=local(MONDAY, 9, 30), now=NOW)
    assert moved.starts_at == local(MONDAY, 9, 30) and moved.buffer_ends_at == local(MONDAY, 10, 40)
    assert moved.price == appointment.price
    book(other_client, option_60, local(MONDAY, 11), therapist=working_therapist)


def test_reschedule_into_a_taken_slot_is_refused(working_therapist, client_person, other_client, option_60):
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    other = book(other_client, option_60, local(MONDAY, 11), therapist=working_therapist)
    with refused(errors.SLOT_TAKEN):
        appointment_reschedule(appointment=other, starts_at=local(MONDAY, 9, 45), now=NOW)
    other.refresh_from_db()
    assert other.starts_at == local(MONDAY, 11)


def test_reschedule_to_another_therapist(working_therapist, other_therapist, client_person, option_60):
    add_hours(other_therapist)
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    moved = appointment_reschedule(
        appointment=appointment, starts_at=local(MONDAY, 10), therapist=other_therapist, now=NOW
    )
    assert moved.therapist == other_therapist


def test_cancelled_appointment_cannot_be_rescheduled(working_therapist, client_person, option_60):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    appointment_cancel(appointment=appointment, reason="Moved away", now=NOW)
    with refused(errors.NOT_RESCHEDULABLE):
        appointment_reschedule(appointment=appointment, starts_at=local(MONDAY, 10), now=NOW)


# -- cancel -------------------------------------------------------------------------------
def test_client_cancelling_inside_the_window_is_a_late_cancellation(
    working_therapist, client_person, option_60
):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    cancelled = appointment_cancel(
        appointment=appointment, reason="Sick", by_client=True, now=local(MONDAY, 8)
    )
    assert cancelled.status == Status.CANCELLED
    assert cancelled.late_cancellation is True
    assert cancelled.cancelled_at == local(MONDAY, 8)
    assert cancelled.cancellation_reason == "Sick"


def test_early_client_cancellation_and_clinic_cancellation_are_not_late(
    working_therapist, client_person, other_client, option_60
):
    early = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    assert not appointment_cancel(appointment=early, reason="x", by_client=True, now=NOW).late_cancellation
    clinic = book(other_client, option_60, local(MONDAY, 11), therapist=working_therapist)
    assert not appointment_cancel(appointment=clinic, reason="Therapist ill", now=local(MONDAY, 8)).late_cancellation


def test_cancelling_twice_or_after_the_start_is_refused(working_therapist, client_person, option_60):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    with refused(errors.ALREADY_STARTED):
        appointment_cancel(appointment=appointment, reason="x", by_client=True, now=local(MONDAY, 9, 5))
    appointment_cancel(appointment=appointment, reason="x", now=NOW)
    with refused(errors.NOT_CANCELLABLE):
        appointment_cancel(appointment=appointment, reason="again", now=NOW)


# -- status -------------------------------------------------------------------------------
def test_status_moves_along_the_allowed_path(working_therapist, client_person, option_60):
    screened(client_person)
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    steps = [
        (Status.BOOKED, Status.CONFIRMED, NOW),
        (Status.CONFIRMED, Status.CHECKED_IN, local(MONDAY, 8, 50)),
        (Status.CHECKED_IN, Status.COMPLETED, local(MONDAY, 10)),
    ]
    for old, new, now in steps:
        appointment = appointment_set_status(
            appointment=appointment, from_status=old, to_status=new, now=now,
            today_answers=today_no(appointment) if new == Status.CHECKED_IN else None,
        )
        assert appointment.status == new


def test_status_change_is_compare_and_swap(working_therapist, client_person, option_60):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    appointment_set_status(appointment=appointment, from_status=Status.BOOKED, to_status=Status.CONFIRMED)
    # A second desk still showing "booked" tries to mark a no-show.
    with refused(errors.STATUS_CHANGED):
        appointment_set_status(
            appointment=appointment, from_status=Status.BOOKED, to_status=Status.NO_SHOW,
            now=local(MONDAY, 9, 20),
        )
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


@pytest.mark.parametrize(
    ("old", "new"),
    [(Status.COMPLETED, Status.BOOKED), (Status.BOOKED, Status.COMPLETED), (Status.BOOKED, Status.CANCELLED), (Status.NO_SHOW, Status.BOOKED)],
)
def test_disallowed_status_moves_are_refused(working_therapist, client_person, option_60, old, new):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    with pytest.raises(ValidationError, match="cannot go from"):
        appointment_set_status(appointment=appointment, from_status=old, to_status=new)


def test_no_show_frees_the_time(working_therapist, client_person, other_client, option_60):
    appointment = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    appointment_set_status(
        appointment=appointment, from_status=Status.BOOKED, to_status=Status.NO_SHOW,
        now=local(MONDAY, 9, 20),
    )
    book(other_client, option_60, local(MONDAY, 9), therapist=working_therapist)
