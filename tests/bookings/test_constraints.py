"""The database itself refuses overlapping active appointments (trigger on SQLite,
exclusion constraint on PostgreSQL), whatever code path writes the row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings.models import Appointment, AppointmentStatus, BookingPolicy, TimeOff, WorkingHours
from clinic.models import Room
from tests.bookings.conftest import MONDAY, local

pytestmark = pytest.mark.django_db


def raw(client, therapist, option, start, minutes=60, buffer=10, **extra) -> Appointment:
    """Insert a row with the bare ORM, skipping the booking service on purpose."""
    end = start + timedelta(minutes=minutes)
    return Appointment.objects.create(
        client=client,
        therapist=therapist,
        treatment_type=option.treatment_type,
        option=option,
        duration_minutes=minutes,
        price=option.price,
        starts_at=start,
        ends_at=end,
        buffer_ends_at=end + timedelta(minutes=buffer),
        source="staff", cancellation_window=timedelta(hours=24),
        **extra,
    )


def test_raw_insert_of_an_overlapping_active_appointment_raises_integrity_error(
    therapist, client_person, other_client, option_60
):
    raw(client_person, therapist, option_60, local(MONDAY, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        raw(other_client, therapist, option_60, local(MONDAY, 9, 30))
    assert Appointment.objects.count() == 1


def test_raw_insert_inside_the_cleanup_buffer_raises_integrity_error(
    therapist, client_person, other_client, option_60
):
    raw(client_person, therapist, option_60, local(MONDAY, 9))  # blocked until 10:10
    with pytest.raises(IntegrityError), transaction.atomic():
        raw(other_client, therapist, option_60, local(MONDAY, 10, 5))


def test_raw_update_into_an_overlap_raises_integrity_error(
    therapist, client_person, other_client, option_60
):
    raw(client_person, therapist, option_60, local(MONDAY, 9))
    later = raw(other_client, therapist, option_60, local(MONDAY, 11))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=later.pk).update(
            starts_at=local(MONDAY, 9, 30),
            ends_at=local(MONDAY, 10, 30),
            buffer_ends_at=local(MONDAY, 10, 40),
        )


def test_back_to_back_after_the_buffer_is_accepted(therapist, client_person, other_client, option_60):
    raw(client_person, therapist, option_60, local(MONDAY, 9))  # blocked [09:00, 10:10)
    raw(other_client, therapist, option_60, local(MONDAY, 10, 10))
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_cancelled_or_no_show_appointment_does_not_block(
    status, therapist, client_person, other_client, option_60, now
):
    extra = {"cancelled_at": now} if status == AppointmentStatus.CANCELLED else {}
    raw(client_person, therapist, option_60, local(MONDAY, 9), status=status, **extra)
    raw(other_client, therapist, option_60, local(MONDAY, 9))
    assert Appointment.objects.active().count() == 1


def test_reactivating_a_cancelled_appointment_over_a_new_one_is_refused(
    therapist, client_person, other_client, option_60, now
):
    old = raw(
        client_person, therapist, option_60, local(MONDAY, 9),
        status=AppointmentStatus.CANCELLED, cancelled_at=now,
    )
    raw(other_client, therapist, option_60, local(MONDAY, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=old.pk).update(status="booked", cancelled_at=None)


def test_other_therapists_may_overlap(therapist, other_therapist, client_person, other_client, option_60):
    raw(client_person, therapist, option_60, local(MONDAY, 9))
    raw(other_client, other_therapist, option_60, local(MONDAY, 9))
    assert Appointment.objects.count() == 2


def test_one_room_cannot_hold_two_overlapping_appointments(
    therapist, other_therapist, client_person, other_client, option_60
):
    room = Room.objects.create(name="Room A")
    raw(client_person, therapist, option_60, local(MONDAY, 9), room=room)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw(other_client, other_therapist, option_60, local(MONDAY, 9, 30), room=room)
    raw(other_client, other_therapist, option_60, local(MONDAY, 9, 30))  # no room: fine


def test_appointment_must_end_after_it_starts(therapist, client_person, option_60):
    bad = Appointment(
        client=client_person, therapist=therapist, treatment_type=option_60.treatment_type,
        option=option_60, duration_minutes=60, price=option_60.price, source="staff",
        starts_at=local(MONDAY, 10), ends_at=local(MONDAY, 9), buffer_ends_at=local(MONDAY, 10),
    )
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_buffer_cannot_end_before_the_appointment(therapist, client_person, option_60):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw(client_person, therapist, option_60, local(MONDAY, 9), buffer=-5)


def test_working_hours_must_start_before_they_end(therapist):
    hours = WorkingHours(therapist=therapist, weekday=1, start_time="17:00", end_time="09:00")
    with pytest.raises(ValidationError):
        hours.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        hours.save()


def test_time_off_must_end_after_it_starts(therapist):
    off = TimeOff(therapist=therapist, starts_at=local(MONDAY, 12), ends_at=local(MONDAY, 11))
    with pytest.raises(ValidationError):
        off.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        off.save()


def test_booking_policy_is_a_single_row_with_the_documented_defaults():
    policy = BookingPolicy.current()
    assert policy.min_notice == timedelta(hours=12)
    assert policy.max_advance == timedelta(days=90)
    assert policy.slot_step_minutes == 15
    assert policy.cancellation_window == timedelta(hours=24)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingPolicy.objects.create(pk=2)


def test_appointment_str_names_treatment_local_time_and_client(therapist, client_person, option_60):
    appointment = raw(client_person, therapist, option_60, local(MONDAY, 9))
    assert str(appointment) == "Trigger point therapy, 2026-11-23 09:00, Ada Lovelace"
