"""The therapist's private iCalendar feed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.services.appointments import appointment_cancel
from tests.bookings.conftest import MONDAY, NOW, book, local
from treatments.models import ContraindicationItem
from treatments.services import answer_record, intake_get_or_create

SENTINEL = "SENTINEL-clinical-feed"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW)


def feed_url(therapist) -> str:
    therapist.refresh_from_db()
    return reverse("bookings:therapist_feed", args=[therapist.calendar_token])


def events(response):
    return [c for c in Calendar.from_ical(response.content).walk("VEVENT")]


@pytest.fixture
def diary(working_therapist, other_therapist, client_person, other_client, option_60):
    from tests.bookings.conftest import add_hours

    add_hours(other_therapist)
    intake = intake_get_or_create(client=client_person, by=None)
    item = ContraindicationItem.objects.filter(active=True, current_version__isnull=False).first()
    answer_record(intake=intake, item=item, answer=True, by=None, detail=SENTINEL)
    mine = book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)
    cancelled = book(other_client, option_60, local(MONDAY, 13), therapist=working_therapist)
    appointment_cancel(appointment=cancelled, reason="x", now=NOW)
    theirs = book(other_client, option_60, local(MONDAY, 10), therapist=other_therapist)
    return mine, cancelled, theirs


def test_feed_parses_and_lists_only_the_therapists_active_appointments(client, working_therapist, diary):
    mine, cancelled, theirs = diary
    response = client.get(feed_url(working_therapist))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert [str(e["uid"]).split("@")[0] for e in found] == [str(mine.public_id)]
    event = found[0]
    assert event.decoded("dtstart") == mine.starts_at
    assert event.decoded("dtend") == mine.ends_at
    assert str(event["summary"]) == "Trigger point therapy · A.L."


def test_feed_has_no_health_information_and_initials_by_default(client, working_therapist, diary):
    body = client.get(feed_url(working_therapist)).content.decode()
    assert SENTINEL not in body
    assert "Lovelace" not in body and "ada@example.com" not in body and "555" not in body


def test_full_names_only_when_the_setting_says_so(client, settings, working_therapist, diary):
    settings.CALENDAR_FEED_FULL_NAMES = True
    found = events(client.get(feed_url(working_therapist)))
    assert str(found[0]["summary"]) == "Trigger point therapy · Ada Lovelace"


def test_unknown_token_is_404(client, db):
    assert client.get("/feeds/therapist/00000000-0000-4000-8000-000000000000.ics").status_code == 404
    assert client.get("/feeds/therapist/not-a-uuid.ics").status_code == 404


def test_resetting_the_secret_invalidates_the_old_url(client, working_therapist, diary):
    old = feed_url(working_therapist)
    client.force_login(working_therapist.user)
    response = client.post(reverse("admin:bookings_appointment_reset_feed", args=[working_therapist.pk]))
    assert response.status_code == 302
    new = feed_url(working_therapist)
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/phish", "//evil.example/", "http:///evil.example"])
def test_resetting_the_feed_never_redirects_off_site(client, working_therapist, next_url):
    client.force_login(working_therapist.user)
    url = reverse("admin:bookings_appointment_reset_feed", args=[working_therapist.pk])
    response = client.post(url, {"next": next_url})
    assert response["Location"] == reverse("admin:bookings_appointment_my_day")
    assert client.post(url, {"next": "/admin/"})["Location"] == "/admin/"


def test_only_the_therapist_or_a_manager_can_reset_the_feed(
    client, working_therapist, other_therapist, front_desk, manager
):
    old = feed_url(working_therapist)
    url = reverse("admin:bookings_appointment_reset_feed", args=[working_therapist.pk])
    for user in (other_therapist.user, front_desk):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert feed_url(working_therapist) == old
    client.force_login(manager)
    assert client.post(url).status_code == 302
    assert feed_url(working_therapist) != old


def test_my_day_shows_the_feed_link_and_reset_button(client, working_therapist):
    client.force_login(working_therapist.user)
    html = client.get(reverse("admin:bookings_appointment_my_day")).content.decode()
    assert feed_url(working_therapist) in html and "Reset feed link" in html
