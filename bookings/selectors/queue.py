"""What the queue page shows: jobs waiting, running and failed, client emails queued and
failed, and the last run of each upkeep job."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bookings.models import EmailDelivery, EmailStatus, UpkeepJob


@dataclass(frozen=True)
class QueueSummary:
    jobs: dict[str, int]
    emails: dict[str, int]
    upkeep: list[UpkeepJob]


def queue_summary() -> QueueSummary:
    """Three queries, however long the queue."""
    jobs = dict(
        DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    emails = dict(
        EmailDelivery.objects.filter(status__in=[EmailStatus.QUEUED, EmailStatus.FAILED])
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return QueueSummary(
        jobs={s: jobs.get(s, 0) for s in ("READY", "RUNNING", "FAILED")},
        emails={s: emails.get(s, 0) for s in (EmailStatus.QUEUED, EmailStatus.FAILED)},
        upkeep=list(UpkeepJob.objects.order_by("name")),
    )
