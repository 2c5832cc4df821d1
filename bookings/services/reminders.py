"""Appointment reminders: one email per appointment, even with two runs at once.

Each appointment is claimed with a conditional update (`reminder_sent_at IS NULL`) before
its email is sent; only the run whose update changed the row sends. If sending fails the
claim is released, so the next run tries again instead of the reminder being lost.
The email is the shared client email (`bookings.emails`, kind "reminder"): date, time,
therapist, treatment, clinic contact, a calendar file, and no health information.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import rules
from bookings.emails import manage_url_for, send_client_email
from bookings.models import Appointment

logger = logging.getLogger(__name__)

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
    """Email every client whose appointment starts within the window and was not yet
    reminded; return how many emails this run sent."""
    now = now or timezone.now()
    hours = settings.REMINDER_WINDOW_HOURS if window_hours is None else window_hours
    if hours < 1:
        raise ValidationError(WINDOW_NOT_POSITIVE, code="window")
    sent = 0
    for appointment in reminders_due(now=now, window=timedelta(hours=hours)):
        claimed = Appointment.objects.filter(
            pk=appointment.pk, reminder_sent_at__isnull=True, status__in=REMINDABLE
        ).update(reminder_sent_at=now)
        if claimed != 1:
            continue  # another run has it, or it was cancelled meanwhile
        try:
            send_client_email("reminder", appointment, manage_url=manage_url_for(appointment))
        except Exception:
            # Release the claim so the next run retries; the id only, never the content.
            Appointment.objects.filter(pk=appointment.pk, reminder_sent_at=now).update(
                reminder_sent_at=None
            )
            logger.exception("Reminder for appointment %s could not be sent", appointment.pk)
            continue
        sent += 1
    return sent
