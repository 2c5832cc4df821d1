"""The booking flow's time step: a month of days with their free times counted, the times
of one day by part of the day, shortcuts, and the choice kept in the URL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils.html import strip_tags

from bookings.online_forms import NO_PREFERENCE
from bookings.selectors.availability import slots_available
from bookings.selectors.online import unique_starts
from bookings.services import drafts
from bookings.views.public import DAY_INVALID, DRAFT_KEY, SHORTCUT_GONE
from tests.bookings.conftest import MONDAY, NOW, add_hours, at_time_step, book, local
from tests.conftest import make_client, make_therapist

pytestmark = pytest.mark.django_db
TIME = reverse("bookings:book_time")
DAY_LINK = re.compile(r'<a class="month-day[^"]*" href="\?month=(\d{4}-\d\d)&amp;day=([\d-]+)#times"[^>]*>(.*?)</a>', re.S)


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.BOOKING_RATE_LIMIT = ""
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def draft(browser: Browser) -> dict:
    return drafts.draft_load(key=browser.session.get(DRAFT_KEY))


def day_links(page: str) -> dict[str, str]:
    """Each linked day of the month grid: date -> its accessible text."""
    return {day: " ".join(strip_tags(text).split()) for _, day, text in DAY_LINK.findall(page)}


def test_each_day_with_space_links_with_its_date_and_number_of_free_times(therapist, option_60):
    other = make_therapist("Sam Okafor")
    add_hours(therapist, weekdays=range(1, 6))
    add_hours(other, "13:00", "17:00", weekdays=range(1, 6))
    book(make_client(), option_60, local(MONDAY, 10), therapist=therapist)
    page = at_time_step(option_60).get(TIME).content.decode()
    links = day_links(page)
    expected = {}
    for day in (NOW.date() + timedelta(days=n) for n in range(11)):
        free = len(unique_starts(slots_available(option_60, day, 1, now=NOW)))
        if free:
            expected[day.isoformat()] = f"{day:%A} {day.day} {day:%B}, {free} times free"
    assert links == expected
    # Monday has fewer times than Tuesday: Maya's 10:00 is taken and only Sam works then.
    assert int(links["2026-11-23"].split(", ")[1].split()[0]) < int(links["2026-11-24"].split(", ")[1].split()[0])


def test_days_without_space_are_not_links(working_therapist, option_60):
    working_therapist.working_hours.filter(weekday__in=[6, 7]).delete()
    page = at_time_step(option_60).get(TIME, {"month": "2026-11"}).content.decode()
    links = day_links(page)
    assert "2026-11-28" not in links and "2026-11-29" not in links  # the weekend
    assert "2026-11-19" not in links and "2026-11-20" not in links  # past, and within notice
    assert "Saturday 28 November, no times free" in strip_tags(page)
    assert "2026-11-23" in links and "2026-11-30" in links


def test_times_of_the_chosen_day_come_under_morning_afternoon_and_evening(therapist, option_60):
    add_hours(therapist, "08:00", "20:00")
    page = at_time_step(option_60).get(TIME, {"month": "2026-12", "day": "2026-12-02"}).content.decode()
    text = " ".join(strip_tags(page).split())
    assert "Times on Wednesday 2 December" in text
    morning, afternoon, evening = (text.index(h) for h in ("Morning", "Afternoon", "Evening"))
    assert morning < text.index("11:00 a.m.") < afternoon < text.index("4:45 p.m.") < evening < text.index("7:00 p.m.")
    assert 'aria-current="date"' in page and 'href="?month=2026-12&amp;day=2026-12-02#times" aria-current="date"' in page
    assert "2026-12-02T" in page and "2026-12-03T" not in page


def test_the_chosen_day_and_time_survive_back_and_reload(working_therapist, option_60):
    browser = at_time_step(option_60)
    start = local(MONDAY + timedelta(days=9), 14).isoformat()
    response = browser.post(TIME, {"day": start[:10], "start": start})
    assert response.status_code == 302 and response.url == reverse("bookings:book_details")
    # Back from the details step: the page of that day, the time still chosen.
    page = browser.get(TIME, {"month": "2026-12", "day": start[:10]}).content.decode()
    assert re.search(rf'value="{re.escape(start)}" class="[^"]*\bactive" aria-current="true"', page)


def test_without_a_day_the_first_month_and_day_with_space_are_shown(therapist, option_60):
    add_hours(therapist, weekdays=[3])  # Wednesdays only, and away for the rest of November
    therapist.time_off.create(starts_at=local(NOW.date(), 0), ends_at=local(NOW.date().replace(day=30), 23))
    page = at_time_step(option_60).get(TIME).content.decode()
    assert "<caption>December 2026" in page
    assert min(day_links(page)) == "2026-12-02"
    assert "Times on Wednesday 2 December" in " ".join(strip_tags(page).split())
    assert 'href="?month=2026-12&amp;day=2026-12-02#times" aria-current="date"' in page


@pytest.mark.parametrize(
    "params",
    [
        {"day": "not-a-date"},
        {"day": "2026-13-01"},
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"day": "2026-11-19"},
        {"month": "2026-13"},
        {"month": "99999-01"},
        {"month": "2026-12-01"},
        {"month": "0001-01"},
        {"month": "9999-12"},
        {"month": "2026-10"},
        {"month": "x", "day": "2027-12-01"},
    ],
)
def test_bad_days_and_months_answer_400_naming_the_bookable_range_with_the_first_times(working_therapist, option_60, params):
    response = at_time_step(option_60).get(TIME, params)
    assert response.status_code == 400
    text = " ".join(strip_tags(response.content.decode()).split())
    assert DAY_INVALID.format(first=NOW.date(), last=NOW.date() + timedelta(days=90)) in text
    assert "Times on Saturday 21 November" in text


def test_a_bad_day_posted_with_a_time_keeps_the_time_refused_and_the_page_whole(working_therapist, option_60):
    response = at_time_step(option_60).post(TIME, {"day": "2026-02-30", "start": "nonsense"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a day from" in page and "Please choose one of the times shown" in page


def test_month_links_stop_at_this_month_and_the_booking_horizon(working_therapist, option_60):
    browser = at_time_step(option_60)
    page = browser.get(TIME).content.decode()
    assert "Previous month" not in page and 'href="?month=2026-12"' in page
    last = browser.get(TIME, {"month": "2027-02"}).content.decode()  # 90 days ahead at most
    assert 'href="?month=2027-01"' in last and "Next month" not in last


def test_first_available_books_the_earliest_time_with_anyone(working_therapist, option_60):
    later = make_therapist("Ola Nordmann")
    add_hours(later, "13:00", "17:00")
    browser = at_time_step(option_60, later.pk)
    page = browser.get(TIME).content.decode()
    assert "Next available with Ola Nordmann: Saturday 21 November, 1:00 p.m." in page
    assert "First available, any therapist: Saturday 21 November, 9:00 a.m." in page
    response = browser.post(TIME, {"shortcut": "first", "start": local(MONDAY - timedelta(days=2), 9).isoformat()})
    assert response.url == reverse("bookings:book_details")
    assert draft(browser)["therapist"] == NO_PREFERENCE
    assert draft(browser)["start"] == "2026-11-21T09:00:00-05:00"


def test_next_available_with_the_chosen_therapist_keeps_them(working_therapist, option_60):
    browser = at_time_step(option_60, working_therapist.pk)
    page = browser.get(TIME).content.decode()
    # Maya is the first free anyway: offered once, with her name.
    assert "First available" not in page
    start = "2026-11-21T09:00:00-05:00"
    response = browser.post(TIME, {"shortcut": "therapist", "start": start})
    assert response.url == reverse("bookings:book_details")
    assert draft(browser)["therapist"] == str(working_therapist.pk)


def test_a_shortcut_taken_meanwhile_is_refused_and_the_new_first_shown(working_therapist, option_60):
    browser = at_time_step(option_60)
    stale = "2026-11-21T09:00:00-05:00"
    book(make_client(), option_60, local(MONDAY - timedelta(days=2), 9), therapist=working_therapist)
    response = browser.post(TIME, {"shortcut": "first", "start": stale})
    assert response.status_code == 200
    page = response.content.decode()
    assert SHORTCUT_GONE in page and "First available: Saturday 21 November, 10:15 a.m." in page
    assert "start" not in draft(browser)


def test_the_week_list_still_books_without_the_calendar(working_therapist, option_60):
    browser = at_time_step(option_60)
    page = browser.get(TIME, {"view": "list"}).content.decode()
    assert "Show a calendar instead" in page and "view=list&amp;day=" in page
    start = "2026-11-22T10:00:00-05:00"
    response = browser.post(f"{TIME}?view=list", {"day": "2026-11-21", "start": start})
    assert response.url == reverse("bookings:book_details")


def test_time_step_queries_do_not_grow_with_the_month(working_therapist, option_60, django_assert_max_num_queries):
    for day in range(23, 28):
        book(make_client(), option_60, local(MONDAY.replace(day=day), 11), therapist=working_therapist)
    chosen, anyone = at_time_step(option_60, working_therapist.pk), at_time_step(option_60)
    # The month, and the first free time with anyone for the shortcut.
    with django_assert_max_num_queries(17):
        assert chosen.get(TIME).status_code == 200
    # The month starts today: its first time is the shortcut's.
    with django_assert_max_num_queries(10):
        assert anyone.get(TIME).status_code == 200
    with django_assert_max_num_queries(16):
        assert anyone.get(TIME, {"month": "2026-12"}).status_code == 200
