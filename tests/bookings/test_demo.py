"""The demo diary: hours with a lunch break, two weeks of valid bookings, idempotent."""

from __future__ import annotations

from datetime import time

import pytest

from bookings.demo import seed_diary
from bookings.models import Appointment, WorkingHours
from bookings.selectors.availability import slots_available
from clinic.models import Room
from tests.bookings.conftest import NOW
from tests.conftest import make_client, make_therapist
from treatments.models import TreatmentOption

pytestmark = pytest.mark.django_db


def test_demo_diary_is_realistic_valid_and_idempotent():
    therapists = [make_therapist("Maya Chen"), make_therapist("Sam Okafor", treatments=["deep-tissue"])]
    clients = [make_client() for _ in range(6)]
    Room.objects.create(name="Room 1")
    Room.objects.create(name="Room 2")

    booked = seed_diary(therapists=therapists, clients=clients, now=NOW)

    assert booked > 40
    assert Appointment.objects.count() == booked
    maya_monday = WorkingHours.objects.filter(therapist=therapists[0], weekday=1).order_by("start_time")
    assert [(h.start_time, h.end_time) for h in maya_monday] == [
        (time(9), time(12, 30)), (time(13, 30), time(18)),
    ]
    assert not WorkingHours.objects.filter(weekday=7).exists()
    assert all(a.starts_at > NOW for a in Appointment.objects.all())
    assert Appointment.objects.filter(status="confirmed").exists()
    assert set(Appointment.objects.values_list("source", flat=True)) == {"staff"}
    # Sam offers deep tissue only.
    assert set(
        Appointment.objects.filter(therapist=therapists[1]).values_list("treatment_type__code", flat=True)
    ) == {"deep-tissue"}

    assert seed_diary(therapists=therapists, clients=clients, now=NOW) == 0
    assert Appointment.objects.count() == booked
    assert WorkingHours.objects.count() == 2 * (5 * 2 + 2)

    option = TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=30
    )
    assert slots_available(option, NOW.date(), 7, now=NOW)  # free time remains


def test_demo_never_books_a_client_in_two_places_and_sends_no_email(mailoutbox):
    therapists = [make_therapist(f"Therapist {i}") for i in range(3)]
    clients = [make_client() for _ in range(3)]  # as many clients as therapists at each time

    booked = seed_diary(therapists=therapists, clients=clients, now=NOW)

    rows = list(Appointment.objects.active().values_list("client_id", "starts_at", "ends_at"))
    assert len(rows) == booked > 40
    for i, (client, start, end) in enumerate(rows):
        for other, other_start, other_end in rows[i + 1 :]:
            assert not (client == other and start < other_end and other_start < end)
    assert mailoutbox == []
