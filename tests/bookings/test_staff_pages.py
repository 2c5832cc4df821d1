"""Staff pages run a constant number of queries, however long the clinic's history.

Each page is loaded with a short and a long history (a client with 3 or 420 visits, so
the appointments span two calendar years, and notes waiting to be signed); the bound is
the same for both.
"""

from __future__ import annotations

import pytest
import time_machine

from tests.bookings.conftest import NOW, make_history
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

MONDAY = "2026-11-23"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=[3, 420], ids=["short-history", "long-history"])
def regular(request, therapist, option_60):
    client = make_client("Rita", "Regular")
    make_history(client, therapist, option_60, request.param, unsigned=min(request.param, 20))
    make_history(make_client(), therapist, option_60, 2, hour=14)
    return client


PAGES = {
    "appointment list": ("/admin/bookings/appointment/", 15),
    "appointment list, one year": ("/admin/bookings/appointment/?starts_at__year=2026", 14),
    "appointment list, one month": (
        "/admin/bookings/appointment/?starts_at__year=2026&starts_at__month=10", 14
    ),
    # The Book targets load a Diary for the chosen option (issue 10: only starts that book).
    "day schedule": (f"/admin/bookings/appointment/schedule/?date={MONDAY}", 18),
    "notes to sign": ("/admin/bookings/sessionnote/to-sign/", 8),
}


@pytest.mark.parametrize("page", PAGES)
def test_staff_page_query_count_is_constant(client, manager, regular, page, django_assert_max_num_queries):
    url, bound = PAGES[page]
    client.force_login(manager)
    client.get(url)  # the first request renews the session
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200


def test_client_page_query_count_is_constant(client, manager, regular, django_assert_max_num_queries):
    client.force_login(manager)
    url = f"/admin/clinic/client/{regular.pk}/change/"
    client.get(url)
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200 and "pain-chart-title" in response.text


def test_the_date_hierarchy_lists_the_years_from_the_first_to_the_last_appointment(
    client, manager, regular
):
    client.force_login(manager)
    page = client.get("/admin/bookings/appointment/").text
    assert "?starts_at__year=2026" in page
    if regular.appointments.count() > 400:
        assert "?starts_at__year=2025" in page


def test_the_day_schedule_reads_appointments_from_the_day_before_on_not_all_history(
    client, manager, regular
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(PAGES["day schedule"][0])
    reads = [q["sql"] for q in queries if 'FROM "bookings_appointment"' in q["sql"]]
    # The blocks and the Diary behind the Book targets: each with both bounds on starts_at,
    # so the (therapist, starts_at) index skips the history.
    assert len(reads) == 2
    for sql in reads:
        assert sql.count('"bookings_appointment"."starts_at" >') >= 1
        assert sql.count('"bookings_appointment"."starts_at" <') >= 1
