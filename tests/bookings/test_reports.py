"""The manager's weekly report on a small known diary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import AppointmentStatus, Closure, TimeOff
from bookings.selectors.workspace import weekly_report
from bookings.services.appointments import appointment_cancel, appointment_set_status
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local
from tests.conftest import make_client


@pytest.fixture
def diary(therapist, other_therapist, option_60):
    """Maya: Mon-Fri 09-17 (40 h), 2 h off Tuesday, clinic closed Wednesday: 30 h.
    Two kept appointments (2 h), one no-show, one late and one early cancellation."""
    add_hours(therapist, weekdays=range(1, 6))
    add_hours(other_therapist, "10:00", "14:00", weekdays=[1])
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    TimeOff.objects.create(therapist=therapist, starts_at=local(tuesday, 12), ends_at=local(tuesday, 14))
    Closure.objects.create(date=wednesday, reason="Holiday")
    book(make_client("A"), option_60, local(MONDAY, 10), therapist=therapist)
    book(make_client("B"), option_60, local(MONDAY + timedelta(days=3), 10), therapist=therapist)
    no_show = book(make_client("C"), option_60, local(MONDAY + timedelta(days=4), 10), therapist=therapist)
    appointment_set_status(appointment=no_show, from_status=AppointmentStatus.BOOKED, to_status=AppointmentStatus.NO_SHOW)
    late = book(make_client("D"), option_60, local(MONDAY, 14), therapist=therapist)
    appointment_cancel(appointment=late, reason="sick", by_client=True, now=local(MONDAY, 9))
    early = book(make_client("E"), option_60, local(MONDAY, 15), therapist=therapist)
    appointment_cancel(appointment=early, reason="moved", by_client=True, now=NOW)
    # Next week: must not leak into this week's row.
    book(make_client("F"), option_60, local(MONDAY + timedelta(days=7), 10), therapist=therapist)
    return therapist, other_therapist


def test_weekly_report_counts_a_known_diary(diary, django_assert_max_num_queries):
    maya, sam = diary
    with django_assert_max_num_queries(5):
        rows = weekly_report(MONDAY, 2)
    row = next(r for r in rows if r.therapist_id == maya.pk and r.week_start == MONDAY)
    assert row.label == "2026-W48"
    assert (row.appointments, row.cancellations, row.late_cancellations, row.no_shows) == (3, 2, 1, 1)
    assert row.booked_hours == 2 and row.working_hours == 30
    assert row.utilisation == pytest.approx(2 / 30, abs=1e-4)
    nxt = next(r for r in rows if r.therapist_id == maya.pk and r.week_start == MONDAY + timedelta(days=7))
    assert nxt.appointments == 1 and nxt.working_hours == 40
    other = next(r for r in rows if r.therapist_id == sam.pk and r.week_start == MONDAY)
    assert (other.appointments, other.working_hours, other.utilisation) == (0, 4, 0)


def test_report_query_count_does_not_grow_with_the_diary(diary, option_60, django_assert_max_num_queries):
    maya, _ = diary
    for hour in (12, 14, 16):
        book(make_client(f"G{hour}"), option_60, local(MONDAY + timedelta(days=3), hour), therapist=maya)
    with django_assert_max_num_queries(5):
        weekly_report(MONDAY, 4)


def test_report_page_shows_the_numbers_to_the_manager(client, manager, diary):
    maya, _ = diary
    client.force_login(manager)
    response = client.get(reverse("admin:bookings_appointment_reports"), {"from": MONDAY.isoformat(), "weeks": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-therapist="{maya.pk}" data-week="2026-W48"' in html
    assert "<td>30.0</td>" in html and "7%" in html


def test_report_page_tolerates_bad_parameters(client, manager, diary):
    client.force_login(manager)
    response = client.get(reverse("admin:bookings_appointment_reports"), {"from": "nope", "weeks": "x"})
    assert response.status_code == 200
