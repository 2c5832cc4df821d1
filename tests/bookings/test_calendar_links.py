"""After booking: the done page's add-to-calendar links, the .ics download and the map link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import calendar_links
from bookings.models import OnlineBooking
from bookings.selectors.availability import slots_available
from bookings.services.online import client_cancel
from bookings.templatetags.client_time import client_time
from tests.bookings.conftest import (
    MONDAY,
    NOW,
    add_hours,
    book_online,
    confirm_review,
    local,
    walk_to_review,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def monday_booking(therapist, option_60):
    add_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        return book_online(option_60, local(MONDAY, 14), therapist=therapist)


def test_google_and_outlook_links_carry_the_utc_times_title_and_address_only(monday_booking):
    appointment = monday_booking.appointment  # 14:00-15:00 in Toronto is 19:00-20:00 UTC

    google = calendar_links.google_calendar_url(appointment)
    outlook = calendar_links.outlook_calendar_url(appointment)

    assert google.startswith("https://calendar.google.com/calendar/render?")
    assert query(google)["dates"] == "20261123T190000Z/20261123T200000Z"
    assert query(google)["text"] == f"Trigger point therapy at {settings.CLINIC_NAME}"
    assert query(google)["location"] == settings.CLINIC_ADDRESS
    assert outlook.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert query(outlook)["startdt"] == "2026-11-23T19:00:00Z"
    assert query(outlook)["enddt"] == "2026-11-23T20:00:00Z"
    assert query(outlook)["subject"] == query(google)["text"]
    assert query(outlook)["location"] == settings.CLINIC_ADDRESS
    # The manage link's secret never goes to a third party.
    for url in (google, outlook):
        assert monday_booking.manage_token not in url


def test_the_map_link_searches_openstreetmap_for_the_clinic_address():
    url = calendar_links.map_url()

    assert url.startswith("https://www.openstreetmap.org/search?")
    assert query(url) == {"query": settings.CLINIC_ADDRESS}


def test_the_calendar_file_is_served_by_manage_token_with_the_utc_times(monday_booking):
    response = Browser().get(reverse("bookings:manage_calendar", args=[monday_booking.manage_token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    assert calendar["method"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 11, 23, 19, tzinfo=UTC)
    assert event.decoded("dtend").astimezone(UTC) == datetime(2026, 11, 23, 20, tzinfo=UTC)
    assert str(event["summary"]) == f"Trigger point therapy at {settings.CLINIC_NAME}"
    assert str(event["location"]) == settings.CLINIC_ADDRESS
    assert str(event["uid"]) == str(monday_booking.appointment.public_id)


def test_a_cancelled_bookings_calendar_file_cancels_the_entry(monday_booking):
    with time_machine.travel(NOW, tick=False):
        client_cancel(appointment=monday_booking.appointment, now=NOW)

    response = Browser().get(reverse("bookings:manage_calendar", args=[monday_booking.manage_token]))

    calendar = Calendar.from_ical(response.content)
    assert calendar["method"] == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_an_unknown_token_gets_the_plain_404_page_and_no_calendar(db):
    response = Browser().get(reverse("bookings:manage_calendar", args=["no-such-token"]))

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("text/calendar")


def test_the_done_page_offers_the_three_calendars_the_map_and_the_portal(therapist, option_60):
    add_hours(therapist)
    slot = slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)[0]
    browser = Browser()
    walk_to_review(browser, option_60, slot)
    assert confirm_review(browser).url == reverse("bookings:book_done")
    booking = OnlineBooking.objects.select_related("appointment__treatment_type").get()

    response = browser.get(reverse("bookings:book_done"))

    page = response.content.decode()
    links = response.context
    assert links["google_calendar_url"] == calendar_links.google_calendar_url(booking.appointment)
    assert links["outlook_calendar_url"] == calendar_links.outlook_calendar_url(booking.appointment)
    for url in (links["google_calendar_url"], links["outlook_calendar_url"], links["map_url"]):
        assert f'href="{url.replace("&", "&amp;")}"' in page
    assert f'href="{reverse("bookings:manage_calendar", args=[booking.manage_token])}"' in page
    assert f'href="{reverse("bookings:portal")}"' in page
    assert settings.CLINIC_ADDRESS in page
    # The one client time format.
    assert client_time(booking.appointment.starts_at) in page
