"""Choosing a time with the month grid, by tap and by keyboard, at phone and desktop
widths; a long name does not widen the pages; the taps a new client needs are counted."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from bookings.models import Appointment
from tests.bookings.conftest import add_hours
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import make_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FREE_DAY = re.compile(r"^\w+day \d+ \w+, \d+ times? free$")
LONG_NAME = ("Maximiliana Wolfeschlegelsteinhausenbergerdorff " * 4)[:160]


@pytest.fixture(autouse=True)
def _setup(settings, transactional_db):
    settings.BOOKING_RATE_LIMIT = ""
    settings.TIME_ZONE = "America/Toronto"
    add_hours(make_therapist("Maya Chen"), "08:00", "20:00")
    add_hours(make_therapist("Sam Okafor"))


class Taps:
    """Clicks and checks on the way, as a person's taps; typing is counted apart."""

    def __init__(self, page) -> None:
        self.page, self.taps, self.typed = page, 0, 0

    def tap(self, locator) -> None:
        self.taps += 1
        locator.click()

    def type(self, label: str, text: str) -> None:
        self.taps += 1  # into the field
        self.typed += len(text)
        self.page.get_by_label(label).fill(text)


def _fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def _new_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-CA", timezone_id="America/Toronto")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _through_health(page, taps: Taps) -> None:
    page.get_by_role("heading", name="A few health questions").wait_for()
    for radio in page.locator("input[type=radio][value=no]").all():
        taps.tap(radio)
    taps.tap(page.get_by_label("I agree to be treated"))
    taps.tap(page.get_by_role("button", name="Next: review"))


@pytest.mark.parametrize(("viewport", "width"), [(PHONE, "390"), (DESKTOP, "1280")])
def test_client_books_a_chosen_day_and_time_from_the_month_grid(browser, live_server, viewport, width):
    page = _new_page(browser, viewport)
    taps = Taps(page)
    page.goto(live_server.url + "/book/")
    taps.tap(page.get_by_label("Trigger point therapy: 60 minutes"))
    taps.tap(page.get_by_role("button", name="Next: therapist"))
    taps.tap(page.get_by_label("Maya Chen"))
    taps.tap(page.get_by_role("button", name="Next: day and time"))

    page.get_by_role("heading", name="When would you like to come?").wait_for()
    assert page.get_by_role("button", name=re.compile(r"^Next available with Maya Chen: ")).is_visible()
    assert_accessible(page)
    _fits(page)
    screenshot(page, f"picker-{width}-1-month")
    # Next month is whole whatever today's date, so the days offered do not depend on it.
    taps.tap(page.get_by_role("link", name=re.compile(r"^Next month")))
    days = page.get_by_role("link", name=FREE_DAY)
    assert days.count() >= 28
    second = days.nth(1)
    name = second.get_attribute("href")
    taps.tap(second)
    assert f"?month={name[7:14]}&day={name[19:29]}" in page.url
    page.get_by_role("heading", name="Evening").wait_for()
    assert page.get_by_role("link", name=FREE_DAY).nth(1).get_attribute("aria-current") == "date"
    assert_accessible(page)
    _fits(page)
    screenshot(page, f"picker-{width}-2-day")
    evening = page.locator("h3:has-text('Evening') + .slot-grid label").first
    chosen = evening.inner_text()
    taps.tap(evening)
    taps.tap(page.get_by_role("button", name="Next: your details"))

    taps.type("Your name", LONG_NAME)
    taps.type("Email", "long@example.com")
    taps.type("Phone", "+1 416 555 0177")
    _fits(page)
    taps.tap(page.get_by_role("button", name="Next: health questions"))
    # Back and reload keep the day and the time.
    page.go_back()
    page.go_back()
    page.reload()
    assert page.get_by_label(chosen).is_checked()
    page.go_forward()
    page.go_forward()
    _through_health(page, taps)

    assert page.get_by_text(LONG_NAME).is_visible()
    _fits(page)
    screenshot(page, f"picker-{width}-3-review")
    taps.tap(page.get_by_label("I have read and accept the cancellation policy."))
    taps.tap(page.get_by_role("button", name="Confirm booking"))
    page.get_by_role("heading", name="You're booked").wait_for()
    _fits(page)
    appointment = Appointment.objects.select_related("therapist").get()
    assert appointment.therapist.display_name == "Maya Chen"
    assert timezone.localtime(appointment.starts_at).hour >= 17  # an evening time, as tapped
    print(f"\n{width}px month grid booking: {taps.taps} taps, {taps.typed} characters typed")


def test_first_available_books_in_the_fewest_taps(browser, live_server):
    page = _new_page(browser, PHONE)
    taps = Taps(page)
    page.goto(live_server.url + "/book/?treatment=trigger-point")
    taps.tap(page.get_by_role("button", name="Next: therapist"))
    taps.tap(page.get_by_label("No preference"))
    taps.tap(page.get_by_role("button", name="Next: day and time"))
    taps.tap(page.get_by_role("button", name=re.compile(r"^First available: ")))
    taps.type("Your name", "Nia Newcomer")
    taps.type("Email", "nia@example.com")
    taps.type("Phone", "+1 416 555 0177")
    taps.tap(page.get_by_role("button", name="Next: health questions"))
    before_health = taps.taps
    _through_health(page, taps)
    health = taps.taps - before_health
    taps.tap(page.get_by_label("I have read and accept the cancellation policy."))
    taps.tap(page.get_by_role("button", name="Confirm booking"))
    page.get_by_role("heading", name="You're booked").wait_for()
    assert Appointment.objects.count() == 1
    print(f"\nfirst available: {taps.taps} taps ({health} on the health step), {taps.typed} characters typed")
    assert taps.taps - health <= 10


def test_a_time_is_chosen_with_the_keyboard_alone(browser, live_server):
    page = _new_page(browser, PHONE)
    page.goto(live_server.url + "/book/?treatment=trigger-point")
    page.get_by_role("button", name="Next: therapist").focus()
    page.keyboard.press("Enter")
    page.get_by_label("No preference").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="When would you like to come?").wait_for()

    def tab_to(predicate: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => {{ const e = document.activeElement; return {predicate}; }}"):
                return
        raise AssertionError(f"never reached {predicate}")

    # Next month, then its second day with space, by keyboard.
    tab_to("e.textContent.startsWith('Next month')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"month="))
    tab_to("e.matches('a.month-day')")
    tab_to("e.matches('a.month-day')")
    day = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(day.split("#")[0])))
    tab_to("e.name === 'start'")
    # The radio itself is hidden; its label shows the focus.
    label = page.evaluate("() => { const s = getComputedStyle(document.activeElement.nextElementSibling); return [s.outlineStyle, s.boxShadow]; }")
    assert label != ["none", "none"], label
    page.keyboard.press("ArrowRight")  # moves to and checks the second time of the day
    second = page.evaluate("() => document.activeElement.value")
    tab_to("e.textContent.trim() === 'Next: your details'")
    page.keyboard.press("Enter")
    page.get_by_label("Your name").wait_for()
    page.go_back()
    assert page.locator(f"input[name=start][value='{second}']").is_checked()
    assert second[:10] == day.split("day=")[1][:10]
