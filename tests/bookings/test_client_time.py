"""One appointment time, written one way wherever a client reads it, and every client a
way to change their own appointment, however it was booked."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils.html import strip_tags

from bookings.models import AppointmentSource
from bookings.services.appointments import appointment_reschedule
from bookings.services.reminders import reminders_send
from bookings.templatetags.client_time import client_time
from tests.bookings.conftest import MONDAY, NOW, book, book_online, local, sign_into_portal
from tests.conftest import run_jobs

pytestmark = pytest.mark.django_db

AFTERNOON = "Monday 23 November 2026 at 2:00 p.m."


def test_the_client_format_spells_out_the_day_and_uses_the_booking_pages_clock():
    assert client_time(local(MONDAY, 14)) == AFTERNOON
    assert client_time(local(MONDAY, 9, 5)) == "Monday 23 November 2026 at 9:05 a.m."
    assert client_time(None) == ""


def test_one_appointment_reads_the_same_in_the_portal_the_manage_pages_and_every_email(
    client, client_person, working_therapist, option_60, settings
):
    settings.REMINDER_WINDOW_HOURS = 24
    with time_machine.travel(NOW, tick=False):
        booking = book_online(
            option_60, local(MONDAY, 14), therapist=working_therapist, email=client_person.email
        )
        token = booking.manage_token
        pages = {
            "manage": Browser().get(reverse("bookings:manage", args=[token])),
            "manage move": Browser().get(reverse("bookings:manage_move", args=[token])),
            "manage cancel": Browser().get(reverse("bookings:manage_cancel", args=[token])),
        }
        sign_into_portal(client, client_person)
        pages["portal"] = client.get(reverse("bookings:portal_home"))
        pages["portal cancel"] = client.get(
            reverse("bookings:portal_cancel", args=[booking.appointment.public_id])
        )
    reminders_send(now=local(MONDAY, 8))
    run_jobs()

    texts = {
        name: " ".join(strip_tags(page.content.decode()).split()) for name, page in pages.items()
    }
    for message in mail.outbox:
        texts[message.subject] = " ".join(message.body.split())
        texts[message.subject + " (HTML)"] = " ".join(
            strip_tags(message.alternatives[0][0]).split()
        )
    assert len(mail.outbox) == 2  # the confirmation and the reminder
    for name, text in texts.items():
        assert AFTERNOON in text, name
        # No second way of writing the same time anywhere on it.
        assert "14:00" not in text and "2:00 PM" not in text and "2 p.m." not in text, name
        assert ".." not in text.replace("...", ""), name  # no double full stops


def test_a_staff_bookings_move_and_reminder_emails_link_the_portal_to_change_it(
    client_person, working_therapist, option_60, settings
):
    settings.REMINDER_WINDOW_HOURS = 24
    with time_machine.travel(NOW, tick=False):
        appointment = book(
            client_person,
            option_60,
            local(MONDAY, 10),
            working_therapist,
            source=AppointmentSource.STAFF,
        )
        appointment_reschedule(
            appointment=appointment, starts_at=local(MONDAY, 14), by_staff=True, now=NOW
        )
    reminders_send(now=local(MONDAY, 8))
    run_jobs()

    portal_bookings = settings.SITE_URL + reverse("bookings:portal_home")
    moved, reminder = mail.outbox
    assert moved.subject.startswith("Your appointment has moved")
    assert reminder.subject.startswith("Reminder")
    assert f"To move or cancel again: {portal_bookings}\n" in moved.body
    assert f"To move or cancel: {portal_bookings}\n" in reminder.body
    for message in (moved, reminder):
        assert f'href="{portal_bookings}"' in message.alternatives[0][0]
        assert 'href="None"' not in message.alternatives[0][0] and "None" not in message.body
