"""Bad input on every public page and endpoint answers 400 or 404 with a message, never a
500: dates out of range (year 9999), NUL bytes, absurd numbers, starts in the past.

Run on both databases: PostgreSQL refuses NUL bytes in text and integers past 2**63,
where SQLite is lenient, so a test on SQLite alone misses those 500s.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse

from bookings.models import Appointment
from tests.bookings.conftest import add_hours, all_no, book_online

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"  # past every integer column
NUL = "bad\x00value"
FAR_DAYS = ["9999-12-31", "0001-01-01", "2026-02-30", "tomorrow"]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.BOOKING_RATE_LIMIT = ""
    settings.RATELIMIT_ENABLE = False
    cache.clear()


@pytest.fixture
def booking(therapist, option_60, time_machine):
    from tests.bookings.conftest import MONDAY, NOW, local

    time_machine.move_to(NOW)
    add_hours(therapist)
    return book_online(option_60, local(MONDAY, 10), therapist=therapist)


def refused(response, *statuses: int) -> str:
    statuses = statuses or (400, 404)
    body = response.content.decode()
    assert response.status_code in statuses, (response.status_code, body[:1500])
    assert body.strip(), "a refusal says why"
    return body


def json_refused(response, status: int = 400) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:1500])
    data = response.json()
    messages = [e["message"] for e in data.get("errors", [])] + [data.get("detail", "")]
    assert any(messages), data
    return data


# -- the booking pages ---------------------------------------------------------------------------


def at_time_step(option) -> Browser:
    browser = Browser()
    browser.post(reverse("bookings:book"), {"option": option.pk})
    browser.post(reverse("bookings:book_therapist"), {"therapist": "any"})
    return browser


@pytest.mark.parametrize("day", FAR_DAYS)
def test_the_time_page_refuses_a_day_it_cannot_show(booking, option_60, day):
    browser = at_time_step(option_60)
    body = refused(browser.get(reverse("bookings:book_time"), {"day": day}), 400)
    assert "Choose a day" in body
    body = refused(browser.post(reverse("bookings:book_time"), {"day": day, "start": "x"}), 400)
    assert "Choose a day" in body


@pytest.mark.parametrize("day", FAR_DAYS)
def test_the_move_page_refuses_a_day_it_cannot_show(client, booking, day):
    url = reverse("bookings:manage_move", args=[booking.manage_token])
    assert "Choose a day" in refused(client.get(url, {"day": day}), 400)


@pytest.mark.parametrize(
    "token", ["bad\x00token", "%00", "x" * 500, HUGE, "..%2F..%2Fetc", "'; DROP TABLE x; --"]
)
@pytest.mark.parametrize("page", ["manage", "manage_cancel", "manage_move", "portal_sign_in"])
def test_odd_tokens_in_links_are_a_plain_404(client, db, page, token):
    response = client.get(reverse(f"bookings:{page}", args=[token]))
    if page == "portal_sign_in":
        refused(response, 400, 404, 410)  # 410: the sign-in page says the link has expired
    else:
        refused(response, 400, 404)  # 400: the address itself carries a NUL byte
    if page in ("manage_cancel", "manage_move"):
        refused(client.post(reverse(f"bookings:{page}", args=[token]), {"start": NUL}), 400, 404)


@pytest.mark.parametrize("value", [HUGE, "-1", "1e309", NUL, "0x10"])
def test_absurd_choices_on_the_booking_steps_are_form_errors(booking, option_60, value):
    browser = Browser()
    refused(browser.post(reverse("bookings:book"), {"option": value}), 200, 400)
    refused(browser.get(reverse("bookings:book"), {"treatment": value}), 200, 400)
    browser = at_time_step(option_60)
    refused(browser.post(reverse("bookings:book_therapist"), {"therapist": value}), 200, 400)
    refused(browser.post(reverse("bookings:book_time"), {"start": value}), 200, 400)


def test_a_nul_byte_in_the_name_is_a_form_error_on_the_details_page(booking, option_60):
    browser = at_time_step(option_60)
    browser.post(reverse("bookings:book_time"), {"start": "x"})
    response = browser.post(
        reverse("bookings:book_details"),
        {"name": "Ada\x00", "email": "ada@example.com", "phone": "+1 416 555 0100"},
    )
    assert response.status_code in (200, 302, 400)


def test_the_portal_email_form_refuses_a_nul_byte(client, db):
    response = client.post(reverse("bookings:portal"), {"email": "a\x00@example.com"})
    refused(response, 200, 400)


# -- the API ------------------------------------------------------------------------------------


def slots_query(**overrides) -> dict:
    return {"treatment": "trigger-point", "duration": 60, "date": "2026-11-23", "days": 7, **overrides}


@pytest.mark.parametrize(
    "overrides",
    [
        {"date": "9999-12-31"},
        {"date": "0001-01-01", "days": 31},
        {"date": NUL},
        {"treatment": NUL},
        {"duration": HUGE},
        {"days": HUGE},
        {"therapist": HUGE},
        {"therapist": "-5"},
        {"treatment": "x" * 500},
    ],
)
def test_api_slots_refuses_absurd_queries(client, booking, overrides):
    response = client.get("/api/slots", slots_query(**overrides))
    if response.status_code == 200:  # a far date is valid: nothing is free then
        assert response.json()["slots"] == []
    else:
        json_refused(response)


def booking_body(option, **overrides) -> dict:
    body = {
        "treatment": option.treatment_type.code,
        "duration": option.duration_minutes,
        "start": "2026-11-23T13:00:00-05:00",
        "client": {"name": "Nia New", "email": "nia@example.com", "phone": "+1 416 555 0177"},
        "screening": all_no(option),
        "consents": {"treatment": True, "sensitive_areas": []},
        "policy_accepted": True,
    }
    for key, value in overrides.items():
        if "." in key:
            outer, inner = key.split(".")
            body[outer] = {**body[outer], inner: value}
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "2026-11-01T10:00:00-05:00"}, "start"),  # in the past
        ({"start": "0001-01-01T00:00:00+00:00"}, "start"),
        ({"start": NUL}, "start"),
        ({"client.name": "Nia\x00New"}, "client.name"),
        ({"client.email": "nia\x00@example.com"}, "client.email"),
        ({"client.phone": "+1 416\x00 555 0177"}, "client.phone"),
        ({"treatment": NUL}, "treatment"),
        ({"duration": 10**30}, "duration"),
        ({"therapist": 10**30}, "therapist"),
        ({"consents.sensitive_areas": [NUL]}, "consents.sensitive_areas.0"),
    ],
)
def test_api_bookings_refuses_bad_input_naming_the_field(client, booking, option_60, overrides, field):
    before = Appointment.objects.count()
    response = client.post(
        "/api/bookings", booking_body(option_60, **overrides), content_type="application/json"
    )
    data = json_refused(response)
    assert field in [e["field"] for e in data["errors"]], data
    assert Appointment.objects.count() == before


def test_api_bookings_refuses_a_start_in_year_9999_with_a_message(client, booking, option_60):
    body = booking_body(option_60, start="9999-12-31T10:00:00+00:00")
    response = client.post("/api/bookings", body, content_type="application/json")
    assert response.status_code == 409  # beyond the booking horizon: other times offered
    assert response.json()["detail"]


def test_api_bookings_refuses_a_nul_byte_in_a_screening_code(client, booking, option_60):
    body = booking_body(option_60)
    body["screening"] = {**body["screening"], NUL: False}
    json_refused(client.post("/api/bookings", body, content_type="application/json"))


def test_api_bookings_refuses_a_nul_idempotency_key(client, booking, option_60):
    response = client.post(
        "/api/bookings", booking_body(option_60), content_type="application/json",
        headers={"Idempotency-Key": "k\x00ey"},
    )
    data = json_refused(response)
    assert data["errors"][0]["field"] == "Idempotency-Key"


# -- public pages with odd query strings ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/treatments/", "/book/", "/portal/", "/api/treatments"])
def test_public_pages_ignore_odd_query_strings(client, db, path):
    response = client.get(path, {"day": NUL, "page": HUGE, "treatment": NUL})
    assert response.status_code in (200, 302, 400, 404)


@pytest.mark.parametrize(
    "path",
    ["/book/time/?day=a%00b", "/manage/x%00y/", "/api/slots?treatment=a%00", "/admin/?q=%00"],
)
def test_a_nul_byte_in_the_address_is_a_400_page_before_any_view(client, db, path):
    body = refused(client.get(path), 400)
    assert "cannot accept" in body


def test_a_nul_byte_in_an_api_query_answers_in_the_apis_error_shape(client, db):
    data = json_refused(client.get("/api/slots", slots_query(date=NUL)))
    assert data["errors"][0]["field"] == "request"


def test_the_calendar_feed_404s_for_an_unknown_token(client, db):
    refused(client.get("/feeds/therapist/00000000-0000-0000-0000-000000000000.ics"), 404)
    refused(client.get("/feeds/therapist/not-a-uuid.ics"), 404)


def test_a_booking_far_in_the_future_from_the_manage_move_page_is_refused(client, booking):
    url = reverse("bookings:manage_move", args=[booking.manage_token])
    response = client.post(url, {"start": "9999-12-31T10:00:00+00:00", "day": ""})
    assert response.status_code in (200, 400, 409)
    assert Appointment.objects.get(pk=booking.appointment_id).starts_at == booking.appointment.starts_at
    _ = timedelta
