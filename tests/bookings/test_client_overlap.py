"""One client is never in two places at once: the database refuses it (exclusion
constraint on PostgreSQL, triggers on SQLite) and the service names the other appointment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings import errors
from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.services.appointments import appointment_reschedule
from tests.bookings.conftest import MONDAY, add_hours, book, local
from tests.conftest import make_therapist

pytestmark = pytest.mark.django_db


def raw(client, therapist, option, start, minutes=60, **extra) -> Appointment:
    """A row inserted with the bare ORM, skipping the booking service on purpose."""
    end = start + timedelta(minutes=minutes)
    return Appointment.objects.create(
        client=client, therapist=therapist, treatment_type=option.treatment_type, option=option,
        duration_minutes=minutes, price=option.price, starts_at=start, ends_at=end,
        buffer_ends_at=end + timedelta(minutes=10), source=AppointmentSource.STAFF,
        cancellation_window=timedelta(hours=24), **extra,
    )


def test_raw_insert_of_a_client_in_two_places_raises_integrity_error(
    therapist, other_therapist, client_person, option_60
):
    raw(client_person, therapist, option_60, local(MONDAY, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        raw(client_person, other_therapist, option_60, local(MONDAY, 9, 30))


def test_raw_update_into_the_clients_other_appointment_raises_integrity_error(
    therapist, other_therapist, client_person, option_60
):
    raw(client_person, therapist, option_60, local(MONDAY, 9))
    later = raw(client_person, other_therapist, option_60, local(MONDAY, 11))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=later.pk).update(
            starts_at=local(MONDAY, 9, 30), ends_at=local(MONDAY, 10, 30),
            buffer_ends_at=local(MONDAY, 10, 40),
        )


def test_the_clients_time_is_the_treatment_not_the_therapists_cleanup(
    therapist, other_therapist, client_person, option_60
):
    raw(client_person, therapist, option_60, local(MONDAY, 9))  # ends 10:00, buffer to 10:10
    raw(client_person, other_therapist, option_60, local(MONDAY, 10))  # back to back: fine


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_cancelled_and_no_show_appointments_do_not_hold_the_client(
    therapist, other_therapist, client_person, option_60, status
):
    extra = {"cancelled_at": local(MONDAY, 8)} if status == AppointmentStatus.CANCELLED else {}
    raw(client_person, therapist, option_60, local(MONDAY, 9), status=status, **extra)
    raw(client_person, other_therapist, option_60, local(MONDAY, 9))


def test_the_service_refuses_with_the_other_appointments_time_and_therapist(
    working_therapist, client_person, option_60
):
    other = make_therapist("Sam Okafor")
    add_hours(other)
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    with pytest.raises(ValidationError) as refused:
        book(client_person, option_60, local(MONDAY, 9, 30), therapist=other)
    assert errors.first_code(refused.value) == "client_busy"
    assert refused.value.messages == [
        "The client already has an appointment then: Monday 23 November 2026 at 9:00 a.m. with Maya Chen. "
        "Cancel or move that one first."
    ]
    assert Appointment.objects.filter(client=client_person).count() == 1


def test_moving_onto_the_clients_other_appointment_is_refused(
    working_therapist, client_person, option_60
):
    other = make_therapist("Sam Okafor")
    add_hours(other)
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    second = book(client_person, option_60, local(MONDAY, 13), therapist=other)
    with pytest.raises(ValidationError) as refused:
        appointment_reschedule(
            appointment=second, starts_at=local(MONDAY, 9), by_staff=True, now=local(MONDAY, 7)
        )
    assert errors.first_code(refused.value) == "client_busy"
    second.refresh_from_db()
    assert second.starts_at == local(MONDAY, 13)
