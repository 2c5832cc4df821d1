"""Emails to clients as rows: each event's email is written in the transaction of the event,
then sent by a worker, retried, and kept visible to staff when it finally fails.

`key` names the event (one confirmation per appointment, one reminder per appointment and
start time, ...). It is unique, so an event cannot be queued twice, and the worker sends only
a row still `queued`, under a row lock, marking it `sent` in the same transaction: a job that
runs again after its worker died mid-send finds it sent, or finds it queued because the
send never completed.

The message is stored as it was built when the event happened (what the client is told
describes that event), and the content is cleared once it is sent.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bookings.models.appointments import Appointment


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailDelivery(models.Model):
    key = models.CharField(max_length=200, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    # body, attachments and headers of the message; emptied once sent.
    content = models.JSONField(default=dict, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The job that will send it next (a django-tasks result id), for the lost-job sweep.
    job_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "client email"
        verbose_name_plural = "client emails"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=EmailStatus.SENT, sent_at__isnull=False)
                | (~Q(status=EmailStatus.SENT) & Q(sent_at__isnull=True)),
                name="%(app_label)s_%(class)s_sent_iff_sent_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        # Kind and status only: the address and subject are personal data for logs.
        return f"{self.kind.replace('_', ' ').capitalize()} email ({self.get_status_display().lower()})"


class UpkeepJob(models.Model):
    """One row per scheduled upkeep job: when it is next due and how its last run went.

    Workers claim a due run with a conditional update of `next_run_at`, so however many
    workers are running, each period's run is enqueued once."""

    name = models.CharField(max_length=60, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(null=True)
    last_result = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
