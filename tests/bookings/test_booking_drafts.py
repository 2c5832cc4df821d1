"""No health data parked in sessions: the booking flow keeps its answers in a server-side
draft, removed when the booking is made and purged once the flow's lifetime has passed.
Run on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client as Browser
from django.utils import timezone

from bookings.models import BookingDraft
from bookings.selectors.availability import slots_available
from bookings.services import drafts
from bookings.services.upkeep import upkeep_run
from tests.bookings.conftest import NOW, add_hours, all_no, confirm_review, walk_to_review

pytestmark = pytest.mark.django_db

SECRET_PHONE = "+1 416 555 0177"  # what walk_to_review types


@pytest.fixture(autouse=True)
def _frozen(settings, therapist):
    settings.BOOKING_RATE_LIMIT = ""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    cache.clear()
    add_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        yield


def _sessions_text() -> str:
    return json.dumps([s.get_decoded() for s in Session.objects.all()])


def _walk(option):
    browser = Browser()
    slot = slots_available(option, timezone.localdate() + timedelta(days=2), 7)[0]
    walk_to_review(browser, option, slot, answers=all_no(option) | {"ci-anticoagulant": False})
    return browser


def test_answers_wait_in_a_draft_not_in_the_session_and_go_when_the_booking_is_made(
    option_60, django_capture_on_commit_callbacks
):
    browser = _walk(option_60)
    assert "ci-anticoagulant" not in _sessions_text() and SECRET_PHONE not in _sessions_text()
    draft = BookingDraft.objects.get()
    assert draft.data["health"]["answers"]["ci-anticoagulant"] is False
    assert browser.session["online_booking_draft"] not in draft.key_hash  # only the hash is stored
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_review(browser).status_code == 302
    assert not BookingDraft.objects.exists()
    assert "ci-anticoagulant" not in _sessions_text() and SECRET_PHONE not in _sessions_text()


def test_an_abandoned_flow_is_purged_after_its_lifetime(option_60, settings):
    _walk(option_60)
    draft = BookingDraft.objects.get()
    assert draft.expires_at == NOW + timedelta(minutes=settings.BOOKING_DRAFT_MINUTES)
    assert drafts.purge(now=draft.expires_at - timedelta(seconds=1)) == 0
    assert BookingDraft.objects.exists()
    upkeep_run(name="booking-drafts", now=draft.expires_at)
    assert not BookingDraft.objects.exists()
    assert "ci-anticoagulant" not in _sessions_text() and SECRET_PHONE not in _sessions_text()


def test_an_expired_draft_is_not_read_back(option_60, settings):
    browser = _walk(option_60)
    with time_machine.travel(NOW + timedelta(minutes=settings.BOOKING_DRAFT_MINUTES + 1), tick=False):
        response = browser.get("/book/review/")
    assert response.status_code == 302 and response.url == "/book/"
