"""Booking as a new client, step by step, at phone and desktop widths: with the month
grid, with the list the page offers without JavaScript, and with the keyboard alone; axe
and a screenshot on every step; a long name does not widen the pages; the taps a new
client needs are counted."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from bookings.models import Appointment
from tests.bookings.conftest import add_hours
from tests.browser.conftest import (
    assert_wcag22,
    assert_wcag22_without_javascript,
    screenshot,
)
from tests.conftest import make_therapist

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = [(PHONE, "390"), (DESKTOP, "1280")]
FREE_DAY = re.compile(r"^\w+day \d+ \w+, \d+ times? free$")
LONG_NAME = ("Maximiliana Wolfeschlegelsteinhausenbergerdorff " * 4)[:160]
MOST_TAPS = 12


@pytest.fixture(autouse=True)
def _setup(settings, transactional_db):
    settings.BOOKING_RATE_LIMIT = ""
    settings.TIME_ZONE = "America/Toronto"
    add_hours(make_therapist("Maya Chen"), "08:00", "20:00")
    add_hours(make_therapist("Sam Okafor"))


class Taps:
    """Clicks and checks on the way, as a person's taps; typing (with the tap into each
    text field) is counted apart."""

    def __init__(self, page) -> None:
        self.page, self.taps, self.field_taps, self.typed = page, 0, 0, 0

    def tap(self, locator) -> None:
        self.taps += 1
        locator.click()

    def type(self, label: str, text: str) -> None:
        self.field_taps += 1
        self.typed += len(text)
        self.page.get_by_label(label).fill(text)

    def __str__(self) -> str:
        return f"{self.taps} taps, plus typing: {self.field_taps} taps into fields and {self.typed} characters"


class Steps:
    """axe and a screenshot of each step, into the test's tmp dir."""

    def __init__(self, page, folder, prefix: str, javascript: bool = True) -> None:
        self.page, self.folder, self.prefix, self.n = page, folder, prefix, 0
        self.axe = assert_wcag22 if javascript else assert_wcag22_without_javascript

    def check(self, name: str) -> None:
        self.n += 1
        self.axe(self.page)
        _fits(self.page)
        screenshot(self.page, f"{self.prefix}-{self.n}-{name}", directory=self.folder)


def _fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def _new_page(browser, viewport, **options):
    context = browser.new_context(
        viewport=viewport, locale="en-CA", timezone_id="America/Toronto", **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _details(page, taps: Taps, steps: Steps, name: str = "Nia Newcomer") -> None:
    page.get_by_label("Your name").wait_for()
    steps.check("details")
    taps.type("Your name", name)
    taps.type("Email", "nia@example.com")
    taps.type("Phone", "+1 416 555 0177")
    taps.tap(page.get_by_role("button", name="Next: health questions"))


def _through_health(page, taps: Taps, steps: Steps) -> None:
    page.get_by_role("heading", name="A few health questions").wait_for()
    steps.check("health")
    taps.tap(page.get_by_role("radio", name="None of these apply to me"))
    taps.tap(page.get_by_role("checkbox", name="None of these apply to me"))
    taps.tap(page.get_by_role("button", name="Next: review"))


def _review_and_confirm(page, taps: Taps, steps: Steps) -> None:
    page.get_by_role("heading", name="Review and confirm").wait_for()
    steps.check("review")
    taps.tap(page.get_by_label("I agree to be treated"))
    taps.tap(page.get_by_label("I have read and accept the cancellation policy."))
    taps.tap(page.get_by_role("button", name="Confirm booking"))
    page.get_by_role("heading", name="You're booked").wait_for()
    steps.check("done")


@pytest.mark.parametrize(("viewport", "width"), WIDTHS)
def test_client_books_a_chosen_day_and_time_from_the_month_grid(
    browser, live_server, tmp_path, viewport, width
):
    page = _new_page(browser, viewport)
    taps, steps = Taps(page), Steps(page, tmp_path, f"picker-{width}")
    page.goto(live_server.url + "/book/")
    steps.check("treatment")
    taps.tap(page.get_by_role("button", name="Trigger point therapy: 60 minutes"))
    page.get_by_role("heading", name="Who would you like to see?").wait_for()
    steps.check("therapist")
    taps.tap(page.get_by_role("button", name="Maya Chen"))

    page.get_by_role("heading", name="When would you like to come?").wait_for()
    assert page.get_by_role(
        "button", name=re.compile(r"^Next available with Maya Chen: ")
    ).is_visible()
    steps.check("month")
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
    steps.check("day")
    evening = page.locator("h3:has-text('Evening') + .slot-grid button").first
    chosen = evening.inner_text()
    taps.tap(evening)

    _details(page, taps, steps, name=LONG_NAME)
    # Back and reload keep the day and the time (once the health step has loaded: going
    # back while its navigation is still under way detaches the page).
    page.get_by_role("heading", name="A few health questions").wait_for()
    page.go_back()
    page.go_back()
    page.reload()
    assert (
        page.get_by_role("button", name=chosen, exact=True).get_attribute("aria-current") == "true"
    )
    page.go_forward()
    page.go_forward()
    _through_health(page, taps, steps)

    assert page.get_by_text(LONG_NAME).is_visible()
    _review_and_confirm(page, taps, steps)
    appointment = Appointment.objects.select_related("therapist").get()
    assert appointment.therapist.display_name == "Maya Chen"
    assert timezone.localtime(appointment.starts_at).hour >= 17  # an evening time, as tapped
    print(f"\n{width}px month grid booking: {taps}")
    assert taps.taps <= MOST_TAPS


@pytest.mark.parametrize(("viewport", "width"), WIDTHS)
def test_client_books_from_the_list_without_javascript(
    browser, live_server, tmp_path, viewport, width
):
    page = _new_page(browser, viewport, java_script_enabled=False)
    taps, steps = Taps(page), Steps(page, tmp_path, f"nojs-{width}", javascript=False)
    page.goto(live_server.url + "/book/")
    steps.check("treatment")
    taps.tap(page.get_by_role("button", name="Trigger point therapy: 60 minutes"))
    steps.check("therapist")
    taps.tap(page.get_by_role("button", name="Any therapist"))
    taps.tap(page.get_by_role("link", name="Show times as a list"))
    steps.check("list")
    taps.tap(page.locator(".slot-grid button").nth(2))
    _details(page, taps, steps)
    # Without JavaScript the yes/no for each warning sign is on the page from the start.
    assert page.get_by_role(
        "group", name=re.compile("^Have you recently had new trouble passing urine")
    ).is_visible()
    _through_health(page, taps, steps)
    _review_and_confirm(page, taps, steps)
    assert Appointment.objects.count() == 1
    print(f"\n{width}px list without JavaScript: {taps}")


def test_first_available_books_in_the_fewest_taps(browser, live_server, tmp_path):
    page = _new_page(browser, PHONE)
    taps, steps = Taps(page), Steps(page, tmp_path, "fewest")
    page.goto(live_server.url + "/book/?treatment=trigger-point")
    taps.tap(page.get_by_role("button", name="Trigger point therapy: 30 minutes"))
    taps.tap(page.get_by_role("button", name="Any therapist"))
    taps.tap(page.get_by_role("button", name=re.compile(r"^First available: ")))
    _details(page, taps, steps)
    before_health = taps.taps
    _through_health(page, taps, steps)
    health = taps.taps - before_health
    _review_and_confirm(page, taps, steps)
    assert Appointment.objects.count() == 1
    print(f"\nfirst available: {taps} ({health} taps on the health step)")
    assert taps.taps <= MOST_TAPS


def test_client_books_with_the_keyboard_alone(browser, live_server, tmp_path):
    page = _new_page(browser, PHONE)
    steps = Steps(page, tmp_path, "keyboard")

    def tab_to(predicate: str, limit: int = 120) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => {{ const e = document.activeElement; return {predicate}; }}"):
                return
        raise AssertionError(f"never reached {predicate}")

    def focus_is_visible() -> None:
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow]; }"
        )
        assert style != ["none", "none"], style

    page.goto(live_server.url + "/book/")
    tab_to("e.textContent.startsWith('Trigger point therapy: 60 minutes')")
    focus_is_visible()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Who would you like to see?").wait_for()
    tab_to("e.textContent.startsWith('Any therapist')")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="When would you like to come?").wait_for()

    # Next month, then its second day with space, then the second time of that day.
    tab_to("e.textContent.startsWith('Next month')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"month="))
    tab_to("e.matches('a.month-day')")
    tab_to("e.matches('a.month-day')")
    day = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(day.split("#")[0])))
    steps.check("day")
    tab_to("e.name === 'start'")
    tab_to("e.name === 'start'")
    focus_is_visible()
    second = page.evaluate("() => document.activeElement.value")
    page.keyboard.press("Enter")

    page.get_by_label("Your name").wait_for()
    tab_to("e.name === 'name'")
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("+1 416 555 0177")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="A few health questions").wait_for()
    tab_to("e.name === 'red_flags'")
    page.keyboard.press("Space")
    assert page.get_by_role("radio", name="None of these apply to me").is_checked()
    tab_to("e.name === 'no_conditions'")
    page.keyboard.press("Space")
    tab_to("e.textContent.trim() === 'Next: review'")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Review and confirm").wait_for()
    tab_to("e.name === 'general_consent'")
    page.keyboard.press("Space")
    tab_to("e.name === 'policy_accepted'")
    page.keyboard.press("Space")
    tab_to("e.textContent.trim() === 'Confirm booking'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="You're booked").wait_for()
    steps.check("done")
    appointment = Appointment.objects.get()
    assert (
        appointment.starts_at.isoformat()[:16]
        == timezone.datetime.fromisoformat(second)
        .astimezone(appointment.starts_at.tzinfo)
        .isoformat()[:16]
    )
    assert second[:10] == day.split("day=")[1][:10]


def test_the_yes_or_no_to_each_warning_sign_appears_when_one_applies(
    browser, live_server, tmp_path
):
    page = _new_page(browser, PHONE)
    steps = Steps(page, tmp_path, "reveal")
    page.goto(live_server.url + "/book/?treatment=trigger-point")
    page.get_by_role("button", name="Trigger point therapy: 30 minutes").click()
    page.get_by_role("button", name="Any therapist").click()
    page.get_by_role("button", name=re.compile(r"^First available: ")).click()
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Phone").fill("+1 416 555 0177")
    page.get_by_role("button", name="Next: health questions").click()
    each = page.get_by_role(
        "group", name=re.compile("^Have you recently had new trouble passing urine")
    )
    # Every warning sign is on the page as its own sentence; the yes/no waits for "applies".
    page.locator("#red-flag-list").wait_for()  # shown by the page's script
    assert page.locator("#red-flag-list li").count() >= 10
    assert not each.is_visible()
    page.get_by_role("radio", name="One or more of these applies to me").check()
    assert each.is_visible() and not page.locator("#red-flag-list").is_visible()
    steps.check("revealed")
    # A missed one is named once, next to it, and the summary links to each once.
    each.get_by_label("Yes").check()
    page.get_by_role("checkbox", name="None of these apply to me").check()
    page.get_by_role("button", name="Next: review").click()
    page.locator("#form-errors").wait_for()  # the answer page, not the one being left
    missed = page.locator("#form-errors li")
    signs = page.locator("#red-flag-items fieldset")
    assert missed.count() == signs.count() - 1
    assert (
        page.locator(".text-danger:has-text('Please answer yes or no.')").count()
        == signs.count() - 1
    )
    steps.check("missed")
    # "None of these apply to me" then clears the answers hidden again.
    page.get_by_role("radio", name="None of these apply to me").check()
    assert not each.is_visible()
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("heading", name="Review and confirm").wait_for()
