"""Sliding session expiry: renewed at most once a minute, not written on every request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1 for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().startswith(("UPDATE", "INSERT"))
    )


def expiry() -> datetime:
    return Session.objects.get().expire_date


def test_staff_requests_within_a_minute_do_not_write_the_session(client, settings):
    with time_machine.travel(T0, tick=False):
        client.force_login(make_staff(None))
        assert session_writes(client, "/admin/") == 1  # the first request renews
        first = expiry()
    with time_machine.travel(T0 + timedelta(seconds=50), tick=False):
        assert session_writes(client, "/admin/") == 0
        assert expiry() == first
    with time_machine.travel(T0 + timedelta(seconds=70), tick=False):
        assert session_writes(client, "/admin/") == 1
        assert expiry() == T0 + timedelta(seconds=70 + settings.SESSION_COOKIE_AGE)


def test_an_idle_session_still_expires(client, settings):
    with time_machine.travel(T0, tick=False):
        client.force_login(make_staff(None))
        client.get("/admin/")
    with time_machine.travel(T0 + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1), tick=False):
        response = client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_anonymous_visitor_gets_no_session(client):
    response = client.get("/")
    assert "sessionid" not in response.cookies and not Session.objects.exists()
