"""A front-desk user works the staff calendar in Chromium: books a phone client by clicking
free time, drags appointments, sees a refusal put the block back, checks a client in."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.services.appointments import appointment_book
from tests.bookings.conftest import add_hours
from tests.browser.conftest import assert_wcag22, screenshot
from tests.conftest import make_client, make_staff, make_therapist
from tests.factories import screened
from treatments.models import TreatmentOption

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TORONTO = ZoneInfo("America/Toronto")
# A Monday morning, in the future so the browser keeps the session cookie.
NOW = datetime(2027, 3, 1, 8, 30, tzinfo=TORONTO)
DAY = date(2027, 3, 1)
OPENS = 7  # the calendar's first hour
PASSWORD = "correct horse battery"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=TORONTO)


@pytest.fixture(autouse=True)
def _clinic(settings, transactional_db):
    settings.TIME_ZONE = "America/Toronto"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def people(transactional_db):
    maya = make_therapist("Maya Chen")
    sam = make_therapist("Sam Okafor")
    add_hours(maya)
    add_hours(sam)
    desk = make_staff("Front desk", username="desk")
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    return {"maya": maya, "sam": sam, "desk": desk, "option": option, "ada": make_client("Ada", "Lovelace", phone="+1 416 555 0100")}


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def open_calendar(page, live_server, width: int = 1440) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{live_server.url}/admin/bookings/appointment/calendar/?date={DAY:%Y-%m-%d}")
    page.locator(".ec-body .ec-day").first.wait_for()


def column(page, index: int):
    return page.locator(".ec-body .ec-grid .ec-day").nth(index)


def point(page, index: int, hour: int, minute: int = 0) -> tuple[float, float]:
    """The screen point of a local time in the index-th resource column."""
    box = column(page, index).bounding_box()
    per_minute = box["height"] / ((21 - OPENS) * 60)
    return box["x"] + box["width"] / 2, box["y"] + ((hour - OPENS) * 60 + minute) * per_minute + 4


def event(page, client_name: str):
    return page.locator("article.ec-event", has_text=client_name)


def drag(page, source, target: tuple[float, float]) -> None:
    # After a move the calendar redraws its blocks: wait until this one is settled.
    page.wait_for_load_state("networkidle")
    box = None
    for _ in range(20):  # the block may be replaced by a redraw between two looks
        source.wait_for()
        box = source.bounding_box()
        if box:
            break
        page.wait_for_timeout(100)
    assert box, "the block to drag never settled"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 6)
    page.mouse.down()
    # Small pauses let the calendar see each step on a busy machine (a drag that ends
    # before it started is taken as a click).
    page.wait_for_timeout(150)
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + 20, steps=4)
    page.wait_for_timeout(150)
    page.mouse.move(target[0], target[1] + 2, steps=12)
    page.wait_for_timeout(150)
    page.mouse.up()


def test_front_desk_books_a_phone_client_in_three_clicks(page, live_server, people):
    sign_in(page, live_server, "desk")
    open_calendar(page, live_server)
    assert_wcag22(page)
    screenshot(page, "calendar-1440")
    clicks = 0

    page.mouse.click(*point(page, 0, 14))  # Maya Chen's column, 14:00
    clicks += 1
    dialog = page.get_by_role("dialog", name="New booking")
    dialog.wait_for()
    assert dialog.get_by_label("Therapist").input_value() == str(people["maya"].pk)
    page.get_by_label("Start").locator("option:checked").wait_for(state="attached")
    page.get_by_label("Client (name, phone or email)").fill("Lovel")  # typing, not a click
    page.get_by_role("button", name="Ada Lovelace · +1 416 555 0100").click()
    clicks += 1
    assert_wcag22(page)
    page.get_by_role("button", name="Book", exact=True).click()
    clicks += 1

    page.get_by_role("status").get_by_text("Booked Ada Lovelace at 14:00.").wait_for()
    assert clicks <= 3
    booked = Appointment.objects.get()
    assert (booked.client, booked.therapist, booked.starts_at) == (people["ada"], people["maya"], at(14))
    assert booked.source == AppointmentSource.STAFF
    event(page, "Ada Lovelace").wait_for()


def test_drag_to_another_therapist_then_onto_a_taken_time(page, live_server, people):
    moving = appointment_book(
        client=people["ada"], option=people["option"], starts_at=at(10),
        source=AppointmentSource.STAFF, therapist=people["maya"],
    )
    appointment_book(
        client=make_client("Grace", "Hopper"), option=people["option"], starts_at=at(13),
        source=AppointmentSource.STAFF, therapist=people["sam"],
    )
    sign_in(page, live_server, "desk")
    open_calendar(page, live_server, width=1024)
    screenshot(page, "calendar-1024")

    drag(page, event(page, "Ada Lovelace"), point(page, 1, 11))  # Sam Okafor, 11:00
    page.get_by_role("status").get_by_text("Moved Ada Lovelace to 11:00.").wait_for()
    moving.refresh_from_db()
    assert (moving.therapist, moving.starts_at) == (people["sam"], at(11))

    event(page, "Ada Lovelace").get_by_text("11:00").wait_for()
    drag(page, event(page, "Ada Lovelace"), point(page, 1, 13))  # onto Grace Hopper
    page.get_by_role("status").get_by_text("Not moved: That time has just been taken.").wait_for()
    # The block is back where it was, and so is the appointment.
    event(page, "Ada Lovelace").get_by_text("11:00").wait_for()
    moving.refresh_from_db()
    assert (moving.therapist, moving.starts_at) == (people["sam"], at(11))
    screenshot(page, "calendar-refused-move")


def test_check_in_from_the_calendar_by_keyboard(page, live_server, people):
    screened(people["ada"])  # the red-flag screen is on record: check-in may proceed
    visit = appointment_book(
        client=people["ada"], option=people["option"], starts_at=at(9),
        source=AppointmentSource.STAFF, therapist=people["maya"],
    )
    sign_in(page, live_server, "desk")
    open_calendar(page, live_server)
    block = event(page, "Ada Lovelace")
    block.focus()
    page.get_by_role("tooltip").get_by_text("Phone +1 416 555 0100").wait_for()
    page.keyboard.press("Enter")
    card = page.get_by_role("dialog", name="Ada Lovelace, 09:00–10:00")
    card.wait_for()
    assert_wcag22(page)
    # Check-in asks today's questions on its own page, then comes back to the calendar.
    card.get_by_role("link", name="Check in").click()
    page.get_by_role("heading", name="Check in Ada Lovelace").wait_for()
    assert_wcag22(page)
    for question in page.locator("fieldset.ws-question").all():
        question.get_by_label("No").check()
    page.get_by_role("button", name="Check in").click()
    page.get_by_text("Checked in: Ada Lovelace.").wait_for()
    assert "/calendar/" in page.url
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.CHECKED_IN


def test_calendar_changes_day_and_view(page, live_server, people):
    sign_in(page, live_server, "desk")
    open_calendar(page, live_server)
    page.get_by_role("radio", name="Week").check()
    page.get_by_label("Week of").select_option(label="Sam Okafor")
    page.locator("#calendar header", has_text="Sam Okafor").wait_for()
    assert page.locator("#calendar header", has_text="Maya Chen").count() == 0
    page.get_by_label("Day, by room").check()
    page.locator("#calendar header", has_text="No room").wait_for()
    assert_wcag22(page)
