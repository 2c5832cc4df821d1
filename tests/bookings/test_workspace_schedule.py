"""The admin schedule: day view columns and local-time placement, week view, query bounds."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from bookings.models import Closure, TimeOff
from bookings.selectors.workspace import schedule_for_day
from tests.bookings.conftest import MONDAY, NOW, TORONTO, add_hours, book, local
from tests.conftest import make_client, make_therapist

SCHEDULE = "admin:bookings_appointment_schedule"

# The admin and the feed only, so these tests do not depend on the public pages' URLs.


def top_px(html: str, marker: str) -> int:
    """Where the element carrying `marker` sits: its rule in the page's nonce'd style sheet
    (no style="" attributes under the Content-Security-Policy)."""
    element_id = re.search(rf'{re.escape(marker)}[^>]*id="([^"]+)"', html).group(1)
    return int(re.search(rf"#{element_id} {{ top: calc\((\d+)px", html).group(1))


def column_html(html: str, therapist_id: int, day: date | None = None) -> str:
    """The HTML of one schedule column (up to the next column)."""
    pattern = rf'<section class="ws-col" data-therapist="{therapist_id}"'
    if day:
        pattern += rf' data-day="{day:%Y-%m-%d}"'
    match = re.search(pattern + r".*?</section>", html, re.S)
    assert match, f"no column for therapist {therapist_id}"
    return match.group(0)


@pytest.fixture
def two_working(therapist, other_therapist):
    add_hours(therapist)
    add_hours(other_therapist)
    return therapist, other_therapist


def test_day_view_shows_each_appointment_in_its_therapist_column_at_local_time(
    client, front_desk, two_working, client_person, other_client, option_60
):
    maya, sam = two_working
    first = book(client_person, option_60, local(MONDAY, 10), therapist=maya)
    second = book(other_client, option_60, local(MONDAY, 14, 30), therapist=sam)
    client.force_login(front_desk)

    html = client.get(reverse(SCHEDULE), {"date": MONDAY.isoformat()}).content.decode()

    maya_col, sam_col = column_html(html, maya.pk), column_html(html, sam.pk)
    assert f'data-appointment="{first.pk}" data-start="10:00"' in maya_col
    assert f'data-appointment="{second.pk}"' not in maya_col
    assert f'data-appointment="{second.pk}" data-start="14:30"' in sam_col
    assert top_px(html, f'data-appointment="{first.pk}"') == 600
    assert top_px(html, f'data-appointment="{second.pk}"') == 870
    assert "Ada Lovelace" in maya_col and "Trigger" in maya_col
    assert "first visit" in maya_col
    assert reverse("admin:bookings_appointment_change", args=[first.pk]) in maya_col


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 8), date(2026, 11, 1)],
    ids=["spring-forward", "fall-back"],
)
def test_day_view_places_blocks_at_wall_clock_time_on_daylight_saving_days(
    client, front_desk, working_therapist, client_person, other_client, option_60, day
):
    now = datetime.combine(day - timedelta(days=3), datetime.min.time(), tzinfo=TORONTO)
    early = book(client_person, option_60, local(day, 9), therapist=working_therapist, now=now)
    later = book(other_client, option_60, local(day, 15), therapist=working_therapist, now=now)
    client.force_login(front_desk)

    html = client.get(reverse(SCHEDULE), {"date": day.isoformat()}).content.decode()

    col = column_html(html, working_therapist.pk)
    assert f'data-appointment="{early.pk}" data-start="09:00"' in col
    assert f'data-appointment="{later.pk}" data-start="15:00"' in col
    assert top_px(html, f'data-appointment="{early.pk}"') == 540
    assert top_px(html, f'data-appointment="{later.pk}"') == 900
    # The working-hours band is 09:00-17:00 on the wall clock, whatever the UTC offset.
    assert "Working 09:00–17:00" in col
    blocks = {b.appointment_id: b for b in schedule_for_day(day, now=now).columns[0].blocks}
    assert (blocks[early.pk].top, blocks[early.pk].height) == (540, 60)
    assert (blocks[later.pk].top, blocks[later.pk].height) == (900, 60)


def test_day_view_query_count_does_not_grow_with_appointments(
    client, front_desk, two_working, option_60, django_assert_max_num_queries
):
    client.force_login(front_desk)
    url = reverse(SCHEDULE) + f"?date={MONDAY.isoformat()}"
    client.get(url)  # warm the session and content-type caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        client.get(url)
    for i, therapist in enumerate(two_working):
        for hour in (9, 11, 13, 15):
            book(make_client(f"C{i}{hour}"), option_60, local(MONDAY, hour), therapist=therapist)
    make_therapist("Third")  # another column
    with django_assert_max_num_queries(len(empty)):
        response = client.get(url)
    assert response.content.decode().count("ws-block") >= 8


def test_day_view_shades_time_off_and_closures(client, front_desk, working_therapist):
    TimeOff.objects.create(
        therapist=working_therapist, starts_at=local(MONDAY, 12), ends_at=local(MONDAY, 13), reason="dentist"
    )
    Closure.objects.create(date=MONDAY + timedelta(days=1), reason="Civic holiday")
    client.force_login(front_desk)

    monday = client.get(reverse(SCHEDULE), {"date": MONDAY.isoformat()}).content.decode()
    tuesday = client.get(reverse(SCHEDULE), {"date": (MONDAY + timedelta(days=1)).isoformat()}).content.decode()

    assert top_px(monday, 'class="ws-shade"') == 720 and "Time off" in monday
    assert "dentist" not in monday  # the reason stays with the time-off record
    assert "Civic holiday" in tuesday and "ws-free" not in column_html(tuesday, working_therapist.pk)


def test_free_time_links_to_the_add_form_with_therapist_and_start(
    client, front_desk, working_therapist, time_machine
):
    time_machine.move_to(NOW)
    client.force_login(front_desk)
    html = client.get(reverse(SCHEDULE), {"date": MONDAY.isoformat()}).content.decode()
    add = reverse("admin:bookings_appointment_add")
    assert f"{add}?therapist={working_therapist.pk}&amp;starts_at=2026-11-23T09%3A00%3A00-05%3A00" in html


def test_day_view_navigation_and_bad_date_fall_back_to_today(client, front_desk, time_machine):
    time_machine.move_to(NOW)
    client.force_login(front_desk)
    response = client.get(reverse(SCHEDULE), {"date": "not-a-date"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "?date=2026-11-19" in html and "?date=2026-11-21" in html
    assert 'type="date"' in html and 'for="ws-date"' in html


def test_week_view_shows_one_therapists_week_by_local_day(
    client, front_desk, two_working, client_person, option_60
):
    maya, sam = two_working
    tuesday = MONDAY + timedelta(days=1)
    appt = book(client_person, option_60, local(tuesday, 11), therapist=maya)
    client.force_login(front_desk)

    html = client.get(
        reverse("admin:bookings_appointment_week"), {"therapist": maya.pk, "date": tuesday.isoformat()}
    ).content.decode()

    assert html.count('class="ws-col"') == 7
    assert f'data-appointment="{appt.pk}" data-start="11:00"' in column_html(html, maya.pk, tuesday)
    assert f'data-appointment="{appt.pk}"' not in column_html(html, maya.pk, MONDAY)


def test_schedule_needs_the_view_permission(client, db):
    from tests.conftest import make_staff

    client.force_login(make_staff(None))
    assert client.get(reverse(SCHEDULE)).status_code == 403
