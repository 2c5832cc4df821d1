"""Client emails: one builder for every kind, a valid .ics, and no health information."""

from __future__ import annotations

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.emails import build_client_email, email_reminder
from bookings.models import EmailDelivery
from bookings.services.online import client_cancel, client_move
from tests.bookings.conftest import MONDAY, NOW, all_no, book_online, local
from tests.conftest import run_jobs
from treatments import services as clinical

SENTINEL = "SENTINEL-HEALTH-7731"


def _ics(message) -> Calendar:
    name, content, mimetype = message.attachments[0]
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def test_confirmation_ics_names_the_appointment_clinic_and_times(working_therapist, option_60, settings):
    booking = book_online(option_60, local(MONDAY, 10))
    message = build_client_email("confirmed", booking.appointment, manage_url=booking.manage_url)
    cal = _ics(message)
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == str(booking.appointment.public_id)
    assert event.decoded("DTSTART") == local(MONDAY, 10)
    assert event.decoded("DTEND") == local(MONDAY, 11)
    assert event.decoded("DTSTART").tzinfo is not None
    assert str(event["SUMMARY"]) == f"Trigger point therapy at {settings.CLINIC_NAME}"
    assert str(event["LOCATION"]) == settings.CLINIC_ADDRESS
    assert booking.manage_url in message.body


def test_cancellation_ics_cancels_the_event(working_therapist, option_60):
    booking = book_online(option_60, local(MONDAY, 10))
    client_cancel(appointment=booking.appointment, now=NOW)
    cal = _ics(build_client_email("cancelled", booking.appointment))
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_unknown_kind_is_refused(working_therapist, option_60):
    booking = book_online(option_60, local(MONDAY, 10))
    with pytest.raises(ValueError, match="Unknown client email kind"):
        build_client_email("party", booking.appointment)


def test_client_without_email_gets_nothing(working_therapist, option_60):
    booking = book_online(option_60, local(MONDAY, 10))
    booking.appointment.client.email = ""
    assert email_reminder(booking.appointment) is None
    assert [d.kind for d in EmailDelivery.objects.all()] == ["confirmed"]


def test_emails_and_calendar_files_contain_no_health_information(working_therapist, option_60):
    answers = all_no(option_60) | {"ci-anticoagulant": True}
    booking = book_online(option_60, local(MONDAY, 10), answers=answers)
    client = booking.appointment.client
    intake = clinical.intake_get_or_create(client=client, by=None)
    clinical.intake_update(intake=intake, by=None, medications=SENTINEL, allergies=SENTINEL)
    clinical.answer_record(intake=intake, item="ci-anticoagulant", answer=True, detail=SENTINEL, by=None)
    client_move(appointment=booking.appointment, starts_at=local(MONDAY, 12), now=NOW)
    client_cancel(appointment=booking.appointment, now=NOW)
    email_reminder(booking.appointment, manage_url=booking.manage_url)
    assert run_jobs() == 4
    assert len(mail.outbox) == 4
    forbidden = [SENTINEL, "anticoagulant", "blood thinner", "ci-", "rf-", "modify", "finding"]
    for message in mail.outbox:
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        blobs = [message.subject, message.body, html] + [str(a[1]) for a in message.attachments]
        for blob in blobs:
            for word in forbidden:
                assert word.lower() not in blob.lower(), (message.subject, word)


def test_every_appointment_email_links_to_the_portal(working_therapist, option_60, settings):
    booking = book_online(option_60, local(MONDAY, 10))
    client_move(appointment=booking.appointment, starts_at=local(MONDAY, 12), now=NOW)
    email_reminder(booking.appointment, manage_url=booking.manage_url)
    client_cancel(appointment=booking.appointment, now=NOW)
    run_jobs()

    portal = settings.SITE_URL + "/portal/"
    assert sorted(m.subject.split(" –")[0] for m in mail.outbox) == [
        "Reminder: your appointment", "Your appointment has moved",
        "Your appointment is booked", "Your appointment is cancelled"]
    for message in mail.outbox:
        assert f"All your bookings: {portal}\n" in message.body, message.subject


def test_each_appointment_email_is_plain_text_with_an_html_alternative_saying_the_same(
    working_therapist, option_60, settings
):
    booking = book_online(option_60, local(MONDAY, 10))
    run_jobs()

    [message] = mail.outbox
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html.lstrip().startswith("<!doctype html>")
    for same in ("Trigger point therapy, 60 minutes", "Monday 23 November 2026 at 10:00 a.m.", "Maya Chen"):
        assert same in message.body and same in html
    assert f'href="{booking.manage_url}"' in html
    assert f'href="{settings.SITE_URL}/portal/"' in html
    # The calendar file still travels with it (multipart/mixed around the alternatives).
    assert [name for name, _, _ in message.attachments] == ["appointment.ics"]
    assert message.message().get_content_type() == "multipart/mixed"
