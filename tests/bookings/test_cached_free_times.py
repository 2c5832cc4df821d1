"""Cached free times and schedules never outlive a committed change (clinic.generations).

These tests commit for real (transactional database, SQLite file or PostgreSQL): a change
starts a new diary generation only once it commits, and the next answer shows it; two
workers with caches of their own see each other's changes; and a cached answer still keeps
the minimum notice as time passes. The booking time step runs a fixed number of queries,
warm or cold, whatever the history, and nothing of one visitor's is on another's page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client as Browser
from django.urls import reverse

from bookings.admin_site import navigation
from bookings.models import Appointment, BookingPolicy, TimeOff, WorkingHours
from bookings.services.appointments import appointment_cancel
from bookings.views.public import DRAFT_KEY
from clinic import generations
from clinic.models import Therapist
from clinic.roles import FRONT_DESK, MANAGER
from tests.bookings.conftest import MONDAY, NOW, add_hours, at_time_step, book, local
from tests.conftest import make_client, make_staff, make_therapist
from treatments.models import TreatmentOption

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SLOTS = "/api/slots"
SCHEDULE = f"/admin/bookings/appointment/schedule/?date={MONDAY}"
# The day schedule's queries for a manager: from a cold cache, and warm.
SCHEDULE_COLD, SCHEDULE_WARM = 15, 3


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.BOOKING_RATE_LIMIT = ""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya():
    therapist = make_therapist("Maya Chen")
    add_hours(therapist)
    return therapist


@pytest.fixture
def option():
    return TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=60
    )


def starts(client, **extra) -> list[str]:
    params = {
        "treatment": "trigger-point",
        "duration": 60,
        "date": MONDAY.isoformat(),
        "days": 1,
        **extra,
    }
    response = client.get(SLOTS, params)
    assert response.status_code == 200
    return [slot["start"] for slot in response.json()["slots"]]


TEN = "2026-11-23T10:00:00-05:00"
TIME = reverse("bookings:book_time")
DAY = {"day": MONDAY.isoformat()}
# The session, the draft and the generations, read once for the option, therapist, policy
# and each list of free times (the month with the two weeks after it and, with a therapist
# chosen, the first free time with anyone).
WARM = {"one": 3, "any": 3}
# The same, and on a miss the option with its treatment, the therapist and the policy, and
# for each list of free times the diary's own reads (the policy and one query).
COLD = {"one": 10, "any": 7}


def test_a_booking_and_its_cancellation_show_on_the_next_answer_once_committed(
    client, maya, option
):
    assert TEN in starts(client)
    assert TEN in starts(client)  # from the cache
    appointment = book(make_client(), option, local(MONDAY, 10), therapist=maya)
    assert TEN not in starts(client)
    appointment_cancel(appointment=appointment, reason="Ill", now=NOW)  # a QuerySet.update
    assert TEN in starts(client)


def test_time_off_and_working_hours_show_on_the_next_answer(client, maya):
    assert TEN in starts(client)
    off = TimeOff.objects.create(
        therapist=maya, starts_at=local(MONDAY, 9), ends_at=local(MONDAY, 12)
    )
    assert TEN not in starts(client)
    off.delete()
    assert TEN in starts(client)
    WorkingHours.objects.filter(therapist=maya, weekday=MONDAY.isoweekday()).first().delete()
    assert starts(client) == []


def test_time_off_added_in_the_admin_shows_on_the_next_answer(client, maya):
    staff = Browser()
    staff.force_login(make_staff(None, is_superuser=True))
    assert TEN in starts(client)
    response = staff.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "therapist": maya.pk,
            "starts_at_0": MONDAY.isoformat(),
            "starts_at_1": "09:00",
            "ends_at_0": MONDAY.isoformat(),
            "ends_at_1": "12:00",
            "reason": "Course",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert TEN not in starts(client)


def test_a_change_not_committed_is_not_cached_and_a_rolled_back_one_changes_nothing(
    client, maya, option
):
    from django.db import transaction

    token = generations.tokens(generations.DIARY)
    with transaction.atomic():
        book(make_client(), option, local(MONDAY, 10), therapist=maya)
        # This connection sees its own change: the cache cannot hold it, so none is used.
        assert generations.tokens(generations.DIARY) is None
        transaction.set_rollback(True)
    assert generations.tokens(generations.DIARY) == token
    assert TEN in starts(client)


def test_inside_one_request_the_tokens_are_read_once_and_again_after_its_own_change(
    maya, django_assert_num_queries
):
    with generations.read_once():
        with django_assert_num_queries(1):
            diary = generations.tokens(generations.DIARY)
            assert generations.tokens(generations.CATALOGUE, generations.DIARY).endswith(f".{diary}")
        add_hours(maya, "18:00", "20:00", weekdays=[1])  # committed: its bump runs at once
        with django_assert_num_queries(1):
            assert generations.tokens(generations.DIARY) not in (diary, None)
    with django_assert_num_queries(2):  # outside the block, every call reads
        generations.tokens(generations.DIARY)
        generations.tokens(generations.DIARY)


def test_two_workers_with_their_own_caches_see_each_others_changes(
    client, maya, option, monkeypatch
):
    first, second = LocMemCache("worker-1", {}), LocMemCache("worker-2", {})
    for worker in (first, second):
        monkeypatch.setattr(generations, "cache", worker)
        assert TEN in starts(client)
    monkeypatch.setattr(generations, "cache", first)
    book(make_client(), option, local(MONDAY, 10), therapist=maya)
    assert TEN not in starts(client)
    monkeypatch.setattr(generations, "cache", second)
    assert TEN not in starts(client)


def test_a_cached_answer_keeps_the_minimum_notice_as_time_passes(
    client, maya, django_assert_num_queries
):
    sunday = MONDAY - timedelta(days=1)
    day = {"date": sunday.isoformat(), "days": 2}
    with time_machine.travel(local(sunday, 0), tick=False):
        first = starts(client, **day)
    assert first[0] == "2026-11-22T12:00:00-05:00"  # 12 hours' notice from midnight
    with time_machine.travel(local(sunday, 0, 9), tick=False), django_assert_num_queries(1):
        later = starts(client, **day)  # the same cached value: one query, the generation
    assert later[0] == "2026-11-22T12:15:00-05:00"
    assert later == first[1:]


def test_the_booking_time_page_shows_a_booking_once_committed(maya, option):
    browser = Browser()
    browser.post(reverse("bookings:book"), {"option": option.pk})
    browser.post(reverse("bookings:book_therapist"), {"therapist": str(maya.pk)})
    assert browser.session.get(DRAFT_KEY)
    url = f"{reverse('bookings:book_time')}?day={MONDAY}"
    assert f'value="{TEN}"' in browser.get(url).content.decode()
    book(make_client(), option, local(MONDAY, 10), therapist=maya)
    assert f'value="{TEN}"' not in browser.get(url).content.decode()


def test_the_day_schedule_shows_a_booking_and_frees_the_time_once_committed(maya, option):
    staff = Browser()
    staff.force_login(make_staff(None, is_superuser=True))
    book_ten = f"starts_at={TEN.replace(':', '%3A').replace('+', '%2B')}"
    page = staff.get(SCHEDULE).content.decode()
    assert book_ten in page and "ws-block" not in page
    appointment = book(make_client("Ada", "Lovelace"), option, local(MONDAY, 10), therapist=maya)
    page = staff.get(SCHEDULE).content.decode()
    assert book_ten not in page and "Ada Lovelace" in page
    Appointment.objects.filter(pk=appointment.pk).update(status="checked_in")
    generations.bump(generations.DIARY)
    assert "Checked in" in staff.get(SCHEDULE).content.decode()


def test_the_day_schedule_hides_book_links_already_past_without_a_change(maya):
    staff = Browser()
    user = make_staff(None, is_superuser=True)
    with time_machine.travel(local(MONDAY, 8, 55), tick=False):
        staff.force_login(user)
        assert "starts_at=2026-11-23T09%3A00" in staff.get(SCHEDULE).content.decode()
    with time_machine.travel(local(MONDAY, 9, 1), tick=False):
        page = staff.get(SCHEDULE).content.decode()
    assert "starts_at=2026-11-23T09%3A00" not in page
    assert "starts_at=2026-11-23T09%3A15" in page


def test_the_front_desk_never_gets_the_grid_cached_for_a_user_who_may_book(maya):
    """The grid's one per-user input is the add permission: users who may only view get
    no "Book" links even right after one who may book filled the cache."""
    manager = Browser()
    manager.force_login(make_staff(None, is_superuser=True))
    viewer = Browser()
    user = make_staff(None)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    viewer.force_login(user)
    assert "ws-free" in manager.get(SCHEDULE).content.decode()
    assert "ws-free" not in viewer.get(SCHEDULE).content.decode()


def test_a_therapist_changed_or_added_shows_on_the_next_answer(client, maya):
    assert {
        s["therapist"]["name"]
        for s in client.get(
            SLOTS,
            {"treatment": "trigger-point", "duration": 60, "date": MONDAY.isoformat(), "days": 1},
        ).json()["slots"]
    } == {"Maya Chen"}
    sam = make_therapist("Sam Okafor")
    add_hours(sam)
    names = {
        s["therapist"]["name"]
        for s in client.get(
            SLOTS,
            {"treatment": "trigger-point", "duration": 60, "date": MONDAY.isoformat(), "days": 1},
        ).json()["slots"]
    }
    assert names == {"Maya Chen", "Sam Okafor"}


def add_history(therapist, option, visits: int) -> None:
    """`visits` past appointments, written in bulk (no signals: the diary is bumped)."""
    person = make_client()
    Appointment.objects.bulk_create(
        Appointment(
            client=person,
            therapist=therapist,
            treatment_type=option.treatment_type,
            option=option,
            duration_minutes=60,
            price=option.price,
            source="staff",
            status="completed",
            starts_at=local(MONDAY - timedelta(days=i + 7), 10),
            ends_at=local(MONDAY - timedelta(days=i + 7), 11),
            buffer_ends_at=local(MONDAY - timedelta(days=i + 7), 11, 10),
        )
        for i in range(visits)
    )
    generations.bump(generations.DIARY)  # bulk_create sends no signals


@pytest.mark.parametrize("history", [0, 200])
def test_cached_pages_run_a_constant_number_of_queries(
    maya, option, history, django_assert_max_num_queries
):
    """Once cached: the slots answer reads only the generation; the time step and the day
    schedule read their own rows (session, draft, user) and the generation, however long
    the history."""
    add_history(maya, option, history)
    api, browser, staff = Browser(), Browser(), Browser()
    browser.post(reverse("bookings:book"), {"option": option.pk})
    browser.post(reverse("bookings:book_therapist"), {"therapist": str(maya.pk)})
    staff.force_login(make_staff(None, is_superuser=True))
    time_url = f"{reverse('bookings:book_time')}?day={MONDAY}"
    for page, url, bound in ((api, SLOTS, 1), (browser, time_url, 8), (staff, SCHEDULE, 9)):
        params = (
            {"treatment": "trigger-point", "duration": 60, "date": MONDAY.isoformat()}
            if page is api
            else {}
        )
        page.get(url, params)
        with django_assert_max_num_queries(bound):
            assert page.get(url, params).status_code == 200


def forget_cached() -> None:
    """Empty the shared cache and this process's copies: the next page is a cold one."""
    from django.core.cache import cache

    cache.clear()
    generations.recent.entries.clear()
    navigation.entries.clear()


@pytest.mark.parametrize("history", [0, 200])
def test_the_day_schedule_runs_the_same_queries_cold_or_warm_whatever_the_history(
    maya, option, history, django_assert_num_queries
):
    """Warm: the session, the user and the generations (once); not the permissions, the
    roles, the therapist record or the options to book. Cold: those and the diary behind
    the grid as well."""
    add_history(maya, option, history)
    staff = Browser()
    staff.force_login(make_staff(MANAGER))
    staff.get(SCHEDULE)  # the first page renews the session
    forget_cached()
    with django_assert_num_queries(SCHEDULE_COLD):
        assert staff.get(SCHEDULE).status_code == 200
    with django_assert_num_queries(SCHEDULE_WARM):
        assert staff.get(SCHEDULE).status_code == 200


def test_an_option_withdrawn_leaves_the_day_schedule_at_once(maya, option):
    staff = Browser()
    staff.force_login(make_staff(FRONT_DESK))
    listed = f'<option value="{option.pk}"'
    assert listed in staff.get(SCHEDULE).content.decode()
    assert listed in staff.get(SCHEDULE).content.decode()  # from the cache
    option.active = False
    option.save()
    assert listed not in staff.get(SCHEDULE).content.decode()


def test_the_day_schedules_today_button_moves_at_midnight_without_a_change(maya):
    staff = Browser()
    with time_machine.travel(local(MONDAY, 23, 50), tick=False):
        staff.force_login(make_staff(FRONT_DESK))
        assert 'href="?date=2026-11-23">Today' in staff.get(SCHEDULE).content.decode()
    with time_machine.travel(local(MONDAY + timedelta(days=1), 0, 10), tick=False):
        assert 'href="?date=2026-11-24">Today' in staff.get(SCHEDULE).content.decode()


# -- the booking time step --------------------------------------------------------------


def page(browser, **params) -> str:
    response = browser.get(TIME, params)
    assert response.status_code == 200
    return response.content.decode()


def count_on(html: str, day) -> int:
    """The number of free times the month grid shows on `day` (0 when not a link)."""
    found = re.search(rf'day={day.isoformat()}#times"[^>]*>.*?<span class="month-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("history", [0, 400])
@pytest.mark.parametrize("chosen", ["one", "any"])
def test_the_time_step_runs_a_fixed_number_of_queries_warm_and_cold(
    maya, option, history, chosen, django_assert_num_queries
):
    person = make_client()
    Appointment.objects.bulk_create(
        Appointment(
            client=person, therapist=maya, treatment_type=option.treatment_type, option=option,
            duration_minutes=60, price=option.price, source="staff", status="completed",
            starts_at=local(MONDAY - timedelta(days=i + 7), 10),
            ends_at=local(MONDAY - timedelta(days=i + 7), 11),
            buffer_ends_at=local(MONDAY - timedelta(days=i + 7), 11, 10),
        )
        for i in range(history)
    )
    browser = at_time_step(option, maya.pk if chosen == "one" else "any")
    for params in ({}, DAY):
        generations.bump(generations.DIARY, generations.CATALOGUE)  # cold: every value anew
        with django_assert_num_queries(COLD[chosen]):
            page(browser, **params)
        for _ in range(2):
            with django_assert_num_queries(WARM[chosen]):
                page(browser, **params)


@pytest.mark.parametrize("chosen", ["one", "any"])
def test_a_booking_that_takes_a_shown_time_is_gone_from_the_next_page(maya, option, chosen):
    browser = at_time_step(option, maya.pk if chosen == "one" else "any")
    before = page(browser, **DAY)
    assert f'value="{TEN}"' in before
    book(make_client(), option, local(MONDAY, 10), therapist=maya)
    after = page(browser, **DAY)
    assert f'value="{TEN}"' not in after
    assert 0 < count_on(after, MONDAY) < count_on(before, MONDAY)


@pytest.mark.parametrize("chosen", ["one", "any"])
def test_time_off_and_changed_hours_show_on_the_next_page(maya, option, chosen):
    browser = at_time_step(option, maya.pk if chosen == "one" else "any")
    assert count_on(page(browser, **DAY), MONDAY) > 0
    maya.time_off.create(starts_at=local(MONDAY, 0), ends_at=local(MONDAY, 23, 59))
    html = page(browser, **DAY)
    assert count_on(html, MONDAY) == 0 and "There are no free times on Monday 23 November" in html
    tuesday = MONDAY + timedelta(days=1)
    WorkingHours.objects.filter(therapist=maya, weekday=2).update(start_time="12:00")
    generations.bump(generations.DIARY)  # QuerySet.update sends no signal
    html = page(browser, day=tuesday.isoformat())
    assert "2026-11-24T09:00:00-05:00" not in html and 'value="2026-11-24T12:00:00-05:00"' in html


def test_the_therapist_and_policy_read_once_per_generation_follow_their_changes(maya, option):
    browser = at_time_step(option, maya.pk)
    assert "with Maya Chen." in page(browser)
    Therapist.objects.filter(pk=maya.pk).update(display_name="Maya Chen-Li")
    generations.bump(generations.CATALOGUE, generations.DIARY)  # QuerySet.update sends no signal
    assert "with Maya Chen-Li." in page(browser)
    assert "Next month (December)" in page(browser)
    policy = BookingPolicy.current()
    policy.max_advance = timedelta(days=5)
    policy.save()
    assert "Next month" not in page(browser)


def test_one_visitors_chosen_time_and_mistakes_are_never_on_anothers_page(maya, option):
    first, second = at_time_step(option), at_time_step(option)
    page(second, **DAY)  # the cache holds the day before the first visitor chooses
    assert first.post(TIME, {**DAY, "start": TEN}).status_code == 302
    chosen = page(first, **DAY)
    assert re.search(rf'value="{re.escape(TEN)}" class="[^"]*\bactive" aria-current="true"', chosen)
    refused = first.post(TIME, {**DAY, "start": "2026-11-23T10:05:00-05:00"})
    assert refused.status_code == 200 and 'id="start-error"' in refused.content.decode()
    other = page(second, **DAY)
    assert f'value="{TEN}"' in other
    assert " active" not in other and 'aria-current="true"' not in other and "start-error" not in other
