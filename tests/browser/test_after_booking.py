"""After booking, on a phone: the done page's calendar and map links, and the portal where
the client cancels a booking."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client as Browser
from django.utils import timezone
from icalendar import Calendar

from bookings.models import Appointment, AppointmentStatus, OnlineBooking
from bookings.selectors.availability import slots_available
from tests.bookings.conftest import add_hours, confirm_review, walk_to_review
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import make_client, make_therapist, run_jobs
from treatments.models import TreatmentOption

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _setup(settings, transactional_db):
    settings.BOOKING_RATE_LIMIT = ""
    settings.TIME_ZONE = "America/Toronto"
    add_hours(make_therapist("Maya Chen"))


def _booked_in(page, live_server, email: str) -> OnlineBooking:
    """Book through the public pages (the time step's own browser tests drive it by hand),
    then carry that session into Chromium, which opens the done page."""
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    slot = slots_available(option, timezone.localdate() + timedelta(days=2), 7)[0]
    flow = Browser()
    walk_to_review(flow, option, slot, email=email)
    confirm_review(flow)
    cookie = flow.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return OnlineBooking.objects.select_related("appointment").get()


def test_the_done_page_offers_three_calendars_and_a_map(page, live_server):
    booking = _booked_in(page, live_server, "nia@example.com")

    page.goto(live_server.url + "/book/done/")
    page.get_by_role("heading", name="You're booked").wait_for()
    assert_accessible(page)
    screenshot(page, "after-1-done")

    google = page.get_by_role("link", name=re.compile("^Google Calendar"))
    outlook = page.get_by_role("link", name=re.compile("^Outlook"))
    apple = page.get_by_role("link", name=re.compile(r"^Apple Calendar or other \(\.ics\)"))
    map_link = page.get_by_role("link", name=re.compile("^Show on a map"))
    for link in (google, outlook, apple, map_link):
        assert link.is_visible()
        box = link.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24  # WCAG 2.2 target size
    assert google.get_attribute("href").startswith("https://calendar.google.com/calendar/render?")
    assert outlook.get_attribute("href").startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert map_link.get_attribute("href").startswith("https://www.openstreetmap.org/search?query=")
    assert page.get_by_role("link", name="your bookings").first.is_visible()

    with page.expect_download() as download:
        apple.click()
    event = Calendar.from_ical(download.value.path().read_bytes()).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == booking.appointment.starts_at


def test_the_client_signs_in_to_the_portal_and_cancels_a_booking(page, live_server):
    make_client("Nia", "Newcomer", email="nia@example.com")
    booking = _booked_in(page, live_server, "nia@example.com")
    run_jobs()
    mail.outbox.clear()

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your bookings").click()
    page.get_by_label("Your email address").fill("nia@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url("**/portal/sent/")
    run_jobs()
    link = next(w for w in mail.outbox[-1].body.split() if "/portal/sign-in/" in w)
    page.goto(live_server.url + urlparse(link).path)
    page.get_by_role("button", name="Continue to my bookings").click()
    upcoming = page.locator("section[aria-labelledby=upcoming-heading]")
    upcoming.get_by_role("link", name=re.compile("^Cancel")).wait_for()
    assert_accessible(page)
    screenshot(page, "after-2-portal")

    upcoming.get_by_role("link", name=re.compile("^Cancel")).click()
    page.get_by_role("button", name="Yes, cancel").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel").click()
    page.get_by_text("Your appointment is cancelled").first.wait_for()
    assert Appointment.objects.get(pk=booking.appointment_id).status == AppointmentStatus.CANCELLED

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your bookings").click()
    page.get_by_role("heading", name="Cancelled").wait_for()
    assert upcoming.get_by_text("No upcoming bookings.").is_visible()
    assert_accessible(page)
    screenshot(page, "after-3-portal-cancelled")
