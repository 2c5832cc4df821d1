"""A client books, moves and cancels from a phone-width Chromium, without help."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.models import Appointment, AppointmentStatus
from clinic.models import Client
from tests.bookings.conftest import add_hours
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import make_therapist, run_jobs
from treatments.models import HealthIntake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _setup(settings, transactional_db):
    settings.BOOKING_RATE_LIMIT = ""
    settings.TIME_ZONE = "America/Toronto"
    add_hours(make_therapist("Maya Chen"))
    add_hours(make_therapist("Sam Okafor"))


def _to_health(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/book/")
    assert_accessible(page)
    screenshot(page, "book-1-treatment")
    page.get_by_role("button", name="Trigger point therapy: 60 minutes").click()
    page.get_by_role("heading", name="Who would you like to see?").wait_for()
    assert_accessible(page)
    screenshot(page, "book-2-therapist")
    page.get_by_role("button", name="Any therapist").click()
    # The first day shown is the first day with space; take its first time.
    assert_accessible(page)
    screenshot(page, "book-3-time")
    page.locator("#times .slot-grid button").first.click()
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill("+1 416 555 0177")
    assert_accessible(page)
    screenshot(page, "book-4-details")
    page.get_by_role("button", name="Next: health questions").click()
    page.get_by_role("heading", name="A few health questions").wait_for()


def test_new_client_books_with_no_preference_then_moves_and_cancels(page, live_server):
    _to_health(page, live_server, "nia@example.com")
    page.get_by_role("radio", name="None of these apply to me").check()
    page.get_by_role("checkbox", name="None of these apply to me").check()
    assert_accessible(page)
    screenshot(page, "book-5-health")
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("heading", name="Review and confirm").wait_for()
    assert page.get_by_text("24 hours").first.is_visible()
    page.get_by_label("I agree to be treated").check()
    page.get_by_label("I have read and accept the cancellation policy.").check()
    assert_accessible(page)
    screenshot(page, "book-6-review")
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_role("heading", name="You're booked").wait_for()
    assert_accessible(page)
    screenshot(page, "book-7-done")

    appointment = Appointment.objects.get()
    assert appointment.source == "online"
    run_jobs()  # the worker's part: send the queued confirmation
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    name, content, mimetype = message.attachments[0]
    event = Calendar.from_ical(content if isinstance(content, bytes) else content.encode()).walk("VEVENT")[0]
    assert str(event["UID"]) == str(appointment.public_id)
    assert event.decoded("DTSTART") == appointment.starts_at
    manage_url = next(w for w in message.body.split() if "/manage/" in w)

    page.goto(live_server.url + urlparse(manage_url).path)
    page.get_by_role("heading", name="Your booking").wait_for()
    assert_accessible(page)
    screenshot(page, "manage-1-view")
    page.get_by_role("link", name="Move to another time").click()
    page.get_by_role("heading", name="Move your appointment").wait_for()
    assert_accessible(page)
    screenshot(page, "manage-2-move")
    page.locator("label.btn[for^='slot-']").nth(3).click()
    page.get_by_role("button", name="Move to this time").click()
    page.get_by_text("Your appointment has moved").wait_for()
    moved = Appointment.objects.get()
    assert moved.starts_at != appointment.starts_at
    page.get_by_role("link", name="Cancel the appointment").click()
    page.get_by_role("heading", name="Cancel your appointment?").wait_for()
    assert_accessible(page)
    screenshot(page, "manage-3-cancel")
    page.get_by_role("button", name="Yes, cancel").click()
    page.get_by_text("Your appointment is cancelled").first.wait_for()
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    run_jobs()
    assert len(mail.outbox) == 3


def test_saddle_numbness_gets_emergency_advice_and_nothing_is_booked(page, live_server):
    _to_health(page, live_server, "sam@example.com")
    page.get_by_role("radio", name="One or more of these applies to me").check()
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.locator("input[name='q_rf-saddle-numbness'][value=yes]").check()
    page.get_by_role("checkbox", name="None of these apply to me").check()
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("heading", name="Please seek emergency care now").wait_for()
    assert page.get_by_text("911").first.is_visible()
    assert_accessible(page)
    screenshot(page, "book-emergency")
    assert not Appointment.objects.exists()
    assert not Client.objects.exists() and not HealthIntake.objects.exists()


def test_form_errors_are_announced_and_pass_the_accessibility_check(page, live_server):
    page.goto(live_server.url + "/book/")
    # A treatment of the buttock area chosen without its consent: the consent is named.
    page.get_by_role("button", name="Perfect Spot 12: 30 minutes").click()
    page.get_by_role("alert").first.wait_for()
    consent = page.get_by_role("region", name="Perfect Spot 12").get_by_role("checkbox")
    assert consent.is_visible() and consent.get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    screenshot(page, "book-error")
