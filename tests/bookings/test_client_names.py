"""A name typed online (up to 160 characters) reaches the client's record whole: split into
first and last name at its first space, never cut."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.utils import timezone

from bookings.selectors.availability import slots_available
from clinic.models import Client
from tests.bookings.conftest import add_hours, all_no, confirm_review, walk_to_review

pytestmark = pytest.mark.django_db

# 160 characters with one space: 100 before it (more than the 80 a name part once held)
# and 59 after it.
LONG_FIRST = "Aurelia-Maximiliana-" + "x" * 80
LONG_LAST = "Vandenberghe-" + "y" * 46
LONG_NAME = f"{LONG_FIRST} {LONG_LAST}"


@pytest.fixture(autouse=True)
def _open_clinic(settings, therapist):
    settings.BOOKING_RATE_LIMIT = ""
    cache.clear()
    add_hours(therapist)


@pytest.fixture
def slot(option_60):
    return slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)[0]


def test_a_160_character_name_booked_online_is_kept_whole(option_60, slot):
    browser = Browser()
    walk_to_review(browser, option_60, slot, email="long@example.com", name=LONG_NAME)
    assert confirm_review(browser).status_code == 302

    client = Client.objects.get(email="long@example.com")
    assert (client.first_name, client.last_name) == (LONG_FIRST, LONG_LAST)
    assert client.full_name == LONG_NAME


def test_a_160_character_name_booked_through_the_api_is_kept_whole(client, option_60, slot):
    body = {
        "treatment": "trigger-point",
        "duration": 60,
        "start": slot.start.isoformat(),
        "client": {"name": LONG_NAME, "email": "long@example.com", "phone": "+1 416 555 0100"},
        "screening": all_no(option_60),
        "consents": {"treatment": True, "sensitive_areas": []},
        "policy_accepted": True,
    }

    response = client.post("/api/bookings", json.dumps(body), content_type="application/json")

    assert response.status_code == 201, response.content
    assert Client.objects.get(email="long@example.com").full_name == LONG_NAME


def test_a_name_with_no_space_of_160_characters_is_all_first_name(option_60, slot):
    browser = Browser()
    walk_to_review(browser, option_60, slot, email="one@example.com", name="z" * 160)
    confirm_review(browser)

    client = Client.objects.get(email="one@example.com")
    assert (client.first_name, client.last_name) == ("z" * 160, "")


def test_a_name_over_160_characters_is_refused_with_the_limit_and_kept_in_the_field(
    option_60, slot
):
    browser = Browser()
    for step, data in [
        ("/book/", {"option": option_60.pk}),
        ("/book/therapist/", {"therapist": "any"}),
    ]:
        browser.post(step, data)
    browser.post(
        "/book/time/", {"start": slot.start.isoformat(), "day": slot.start.date().isoformat()}
    )
    too_long = LONG_NAME + "z"

    response = browser.post(
        "/book/details/",
        {"name": too_long, "email": "long@example.com", "phone": "+1 416 555 0177"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "160" in page and too_long in page
    assert not Client.objects.filter(email="long@example.com").exists()


def test_the_front_desk_keeps_a_long_new_clients_name_whole_or_is_told_the_limit(
    option_60, front_desk
):
    staff = Browser()
    staff.force_login(front_desk)

    def book_new(first: str, last: str, start: str):
        body = {
            "new_client": {"first_name": first, "last_name": last},
            "option": option_60.pk,
            "start": start,
        }
        return staff.post(
            "/api/staff/appointments", json.dumps(body), content_type="application/json"
        )

    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    made = book_new(LONG_FIRST, LONG_LAST, start.strftime("%Y-%m-%dT%H:%M"))
    refused = book_new("z" * 161, "", (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))

    assert made.status_code == 201, made.content
    assert Client.objects.get(first_name=LONG_FIRST).full_name == LONG_NAME
    assert refused.status_code in (400, 422) and "160" in refused.content.decode()
    assert not Client.objects.filter(first_name__startswith="zzz").exists()
