"""The manager adds a therapist (account, profile, treatments, weekly hours) from one screen."""

from __future__ import annotations

from datetime import time

from django.contrib.auth.models import User
from django.urls import reverse

from bookings.models import WorkingHours
from bookings.workspace_forms import BREAK_INVALID, USERNAME_TAKEN
from clinic.models import Therapist
from clinic.roles import THERAPIST
from treatments.models import TreatmentType

URL = "admin:bookings_appointment_onboard"


def form_data(**extra):
    data = {
        "username": "jkim",
        "first_name": "Jo",
        "last_name": "Kim",
        "email": "jo@clinic.example",
        "password": "a long and unusual passphrase",
        "display_name": "Jo Kim",
        "registration_number": "RMT-123",
        "calendar_colour": "#aa3300",
        "bio": "Hips.",
        "treatments": [TreatmentType.objects.get(code="trigger-point").pk],
        "monday_start": "09:00",
        "monday_end": "17:00",
        "monday_break_start": "12:00",
        "monday_break_end": "12:30",
        "wednesday_start": "10:00",
        "wednesday_end": "14:00",
    }
    data.update(extra)
    return data


def test_manager_adds_a_therapist_with_hours_and_treatments_in_one_step(client, manager):
    client.force_login(manager)
    response = client.post(reverse(URL), form_data())
    therapist = Therapist.objects.get(display_name="Jo Kim")
    assert response.status_code == 302
    assert therapist.user.check_password("a long and unusual passphrase")
    assert therapist.user.is_staff and therapist.user.groups.filter(name=THERAPIST).exists()
    assert list(therapist.treatment_types.values_list("code", flat=True)) == ["trigger-point"]
    hours = list(WorkingHours.objects.filter(therapist=therapist).values_list("weekday", "start_time", "end_time"))
    assert hours == [
        (1, time(9), time(12)),
        (1, time(12, 30), time(17)),
        (3, time(10), time(14)),
    ]


def test_an_invalid_part_saves_nothing_and_says_why(client, manager, therapist):
    client.force_login(manager)
    taken = client.post(reverse(URL), form_data(username=therapist.user.username))
    bad_break = client.post(reverse(URL), form_data(monday_break_start="08:00", monday_break_end="08:30"))
    assert USERNAME_TAKEN in taken.content.decode()
    assert BREAK_INVALID in bad_break.content.decode()
    assert not User.objects.filter(username="jkim").exists()
    assert not Therapist.objects.filter(display_name="Jo Kim").exists()


def test_only_managers_can_onboard(client, front_desk, therapist):
    for user in (front_desk, therapist.user):
        client.force_login(user)
        assert client.post(reverse(URL), form_data()).status_code == 403
    assert not User.objects.filter(username="jkim").exists()
