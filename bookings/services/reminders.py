"""Appointment reminders: one email per appointment, even with two runs at once.

Each appointment is claimed with a conditional update (`reminder_sent_at IS NULL`) and its
email queued in the same transaction; only the run whose update changed the row queues it.
Delivery, retries and failures are the email queue's (`bookings.services.mail`).
The email is the shared client email (`bookings.emails`, kind "reminder"): date, time,
therapist, treatment, clinic contact, a calendar file, and no health information.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import rules
from bookings.emails import email_reminder, manage_url_for
from bookings.models import Appointment

WINDOW_NOT_POSITIVE = "The reminder window must be at least one hour."
# Checked-in or completed appointments have started; reminding then is noise.
REMINDABLE = rules.CHANGEABLE


def reminders_due(*, now: datetime, window: timedelta):
    return (
        Appointment.objects.filter(
            status__in=REMINDABLE,
            starts_at__gt=now,
            starts_at__lte=now + window,
            reminder_sent_at__isnull=True,
        )
        .exclude(client__email="")
        .select_related("client", "therapist", "treatment_type", "online_booking")
        .order_by("starts_at")
    )


def reminders_send(*, window_hours: int | None = None, now: datetime | None = None) -> int:
    """Queue a reminder for every client whose appointment starts within the window and
    was not yet reminded; return how many this run queued."""
    now = now or timezone.now()
    hours = settings.REMINDER_WINDOW_HOURS if window_hours is None else window_hours
    if hours < 1:
        raise ValidationError(WINDOW_NOT_POSITIVE, code="window")
    queued = 0
    for appointment in reminders_due(now=now, window=timedelta(hours=hours)):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, reminder_sent_at__isnull=True, status__in=REMINDABLE
            ).update(reminder_sent_at=now)
            if claimed != 1:
                continue  # another run has it, or it was cancelled meanwhile
            email_reminder(appointment, manage_url=manage_url_for(appointment))
        queued += 1
    return queued
