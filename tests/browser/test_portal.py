"""The portal on a phone and a desktop: a client signs in through the header's link and the
emailed link, moves the appointment the front desk booked, cancels the one they booked
online and books a past treatment again; each step passes axe and the WCAG 2.2 checks."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.selectors.availability import slots_available
from bookings.templatetags.client_time import client_time
from tests.bookings.conftest import add_hours, book, book_online
from tests.browser.conftest import WIDTHS, assert_wcag22, open_page, screenshot
from tests.conftest import make_client, make_therapist, run_jobs
from tests.factories import past_appointment
from treatments.models import TreatmentOption

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def bookings(settings):
    """Ada's appointments: one booked online, one by the front desk, one past."""
    settings.BOOKING_RATE_LIMIT = ""
    settings.TIME_ZONE = "America/Toronto"
    maya = make_therapist("Maya Chen")
    add_hours(maya)
    ada = make_client("Ada", "Lovelace", email="ada@example.com")
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    now = timezone.now()
    slots = slots_available(option, timezone.localdate() + timedelta(days=2), 7, therapist=maya)
    first, second = list({timezone.localdate(s.start): s for s in reversed(slots)}.values())[-2:]
    online = book_online(option, first.start, therapist=maya, email=ada.email, now=now).appointment
    staff = book(ada, option, second.start, maya, source=AppointmentSource.STAFF, now=now)
    past_appointment(ada, maya, option, days_ago=14)
    run_jobs()
    mail.outbox.clear()
    return {"online": online, "staff": staff}


def _entry(page, appointment):
    """The portal's list item for `appointment`, found by the time it shows."""
    return page.locator("li", has_text=client_time(appointment.starts_at))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_client_signs_in_moves_cancels_and_books_again_from_the_portal(
    browser, live_server, bookings, width, tmp_path
):
    page = open_page(browser, WIDTHS[width])
    context = page.context

    def step(name: str) -> None:
        assert_wcag22(page)
        screenshot(page, f"portal-{width}-{name}", directory=tmp_path)

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your bookings").click()
    page.get_by_label("Your email address").fill("ada@example.com")
    step("1-ask-for-link")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url("**/portal/sent/")
    step("2-link-sent")
    run_jobs()
    link = next(w for w in mail.outbox[-1].body.split() if "/portal/sign-in/" in w)
    page.goto(live_server.url + urlparse(link).path)
    step("3-sign-in")
    page.get_by_role("button", name="Continue to my bookings").click()
    page.get_by_role("heading", name="Upcoming").wait_for()
    step("4-bookings")

    # The front desk booked this one: it moves from the portal like an online booking.
    staff = bookings["staff"]
    booked_at = staff.starts_at
    _entry(page, staff).get_by_role("link", name=re.compile("^Move")).click()
    page.get_by_role("heading", name="Move your appointment").wait_for()
    step("5-move")
    page.locator("label.btn[for^='slot-']").nth(3).click()
    page.get_by_role("button", name="Move to this time").click()
    page.get_by_text("Your appointment has moved").wait_for()
    staff.refresh_from_db()
    assert staff.status == AppointmentStatus.BOOKED and staff.starts_at != booked_at
    assert _entry(page, staff).count() == 1  # listed at its new time
    step("6-moved")

    online = bookings["online"]
    _entry(page, online).get_by_role("link", name=re.compile("^Cancel")).click()
    page.get_by_role("heading", name="Cancel your appointment?").wait_for()
    step("7-cancel")
    page.get_by_role("button", name=re.compile("^Yes, cancel")).click()
    page.get_by_text("Your appointment is cancelled").first.wait_for()
    assert Appointment.objects.get(pk=online.pk).status == AppointmentStatus.CANCELLED
    cancelled = page.locator("section[aria-labelledby=cancelled-heading]")
    assert cancelled.get_by_text(client_time(online.starts_at)).is_visible()
    upcoming = page.locator("section[aria-labelledby=upcoming-heading]")
    assert upcoming.get_by_text(client_time(online.starts_at)).count() == 0
    step("8-cancelled")

    page.locator("section[aria-labelledby=past-heading]").get_by_role(
        "link", name="Book trigger point therapy again"
    ).click()
    page.wait_for_url(re.compile(r"/book/"))
    assert page.get_by_role("heading", level=1).is_visible()
    step("9-book-again")

    run_jobs()
    assert [m.subject.split(" –")[0] for m in mail.outbox[1:]] == [
        "Your appointment has moved",
        "Your appointment is cancelled",
    ]
    context.close()
