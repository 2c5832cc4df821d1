"""Reminders: one email per appointment, even when two runs overlap."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from bookings.models import Appointment, EmailDelivery
from bookings.services.appointments import appointment_cancel
from bookings.services.reminders import reminders_send
from tests.bookings.conftest import MONDAY, NOW, book, local
from tests.conftest import make_client, run_jobs
from treatments.models import ContraindicationItem
from treatments.services import answer_record, intake_get_or_create

EARLY_MONDAY = local(MONDAY, 8)
SENTINEL = "SENTINEL-clinical-reminder"


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_WINDOW_HOURS = 24


@pytest.fixture
def monday(working_therapist, option_60):
    return [
        book(make_client(f"R{hour}"), option_60, local(MONDAY, hour), therapist=working_therapist)
        for hour in (10, 12, 14)
    ]


def test_running_twice_sends_one_email_per_appointment(monday):
    assert reminders_send(now=EARLY_MONDAY) == 3
    assert reminders_send(now=EARLY_MONDAY + timedelta(minutes=15)) == 0
    assert run_jobs() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.client.email for a in monday)
    assert Appointment.objects.filter(reminder_sent_at=EARLY_MONDAY).count() == 3


def test_reminder_has_the_practical_details_and_no_health_information(
    settings, working_therapist, client_person, option_60
):
    intake = intake_get_or_create(client=client_person, by=None)
    item = ContraindicationItem.objects.filter(active=True, current_version__isnull=False).first()
    answer_record(intake=intake, item=item, answer=True, by=None, detail=SENTINEL)
    book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)

    reminders_send(now=EARLY_MONDAY)
    run_jobs()

    (message,) = mail.outbox
    text = message.subject + message.body
    assert message.to == ["ada@example.com"]
    assert "Monday 23 November 2026 at 10:00" in message.body
    assert "Maya Chen" in text and "Trigger point therapy" in text
    assert settings.CLINIC_ADDRESS in text and settings.CLINIC_PHONE in text
    assert SENTINEL not in text and "clearance" not in text.lower()
    (name, ics, _mime), = message.attachments
    assert name == "appointment.ics" and "BEGIN:VCALENDAR" in ics and SENTINEL not in ics


def test_only_appointments_inside_the_window_that_are_still_on_are_reminded(
    working_therapist, option_60
):
    soon = book(make_client("Soon"), option_60, local(MONDAY, 10), therapist=working_therapist)
    cancelled = book(make_client("Off"), option_60, local(MONDAY, 12), therapist=working_therapist)
    appointment_cancel(appointment=cancelled, reason="x", now=NOW, notify=False)
    later = book(make_client("Later"), option_60, local(MONDAY + timedelta(days=2), 10), therapist=working_therapist)
    book(make_client("NoMail", email=""), option_60, local(MONDAY, 14), therapist=working_therapist)

    assert reminders_send(now=EARLY_MONDAY) == 1
    run_jobs()
    assert [m.to[0] for m in mail.outbox] == [soon.client.email]
    assert reminders_send(now=EARLY_MONDAY, window_hours=72) == 1
    run_jobs()
    assert mail.outbox[-1].to == [later.client.email]


def test_the_claim_and_the_queued_email_commit_together(monday):
    with (
        mock.patch("bookings.services.reminders.email_reminder", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        reminders_send(now=EARLY_MONDAY)
    assert not Appointment.objects.filter(reminder_sent_at__isnull=False).exists()
    assert not EmailDelivery.objects.filter(kind="reminder").exists()
    assert reminders_send(now=EARLY_MONDAY) == 3


def test_command_takes_a_window_and_refuses_a_bad_one(monday, time_machine, capsys):
    time_machine.move_to(EARLY_MONDAY - timedelta(days=1))
    call_command("send_reminders", "--window-hours", "12")
    assert "Queued 0 reminder(s)." in capsys.readouterr().out
    call_command("send_reminders", "--window-hours", "36")
    assert "Queued 3 reminder(s)." in capsys.readouterr().out
    with pytest.raises(CommandError, match="at least one hour"):
        call_command("send_reminders", "--window-hours", "0")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_runs_send_one_email_per_appointment(working_therapist, option_60):
    appointments = [
        book(make_client(f"T{hour}"), option_60, local(MONDAY, hour), therapist=working_therapist)
        for hour in (9, 11, 13, 15)
    ]
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            counts.append(reminders_send(now=EARLY_MONDAY))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert sum(counts) == 4
    assert run_jobs() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.client.email for a in appointments)


def test_a_reminded_appointment_moved_to_another_time_is_reminded_again(monday):
    from bookings.services.appointments import appointment_reschedule

    first = monday[0]
    assert reminders_send(now=EARLY_MONDAY) == 3
    first.refresh_from_db()
    appointment_reschedule(appointment=first, starts_at=local(MONDAY, 16), now=EARLY_MONDAY, by_staff=True, notify=False)
    first.refresh_from_db()
    assert first.reminder_sent_at is None
    assert reminders_send(now=EARLY_MONDAY + timedelta(minutes=15)) == 1
    run_jobs()
    assert [m.to[0] for m in mail.outbox].count(first.client.email) == 2
