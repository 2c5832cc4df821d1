"""Scheduled upkeep, run by the workers: no cron needed.

Every worker calls `upkeep_enqueue_due` every UPKEEP_TICK_SECONDS. A due job is claimed
with a conditional update of its `UpkeepJob.next_run_at` and enqueued in the same
transaction, so each period's run is queued once however many workers there are, and is
never lost between the claim and the queue. Each job is also safe to run twice at once
(a one-off `send_reminders` beside the schedule, or a run that overlaps a slow one).

A new periodic job is one more entry in `schedule()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bookings.models import UpkeepJob
from bookings.services import drafts
from bookings.services.mail import emails_requeue_lost
from bookings.services.portal import portal_tokens_delete_expired
from bookings.services.reminders import reminders_send
from bookings.tasks import run_upkeep

logger = logging.getLogger(__name__)

UNKNOWN_JOB = "No upkeep job is called {name!r}."
# Finished jobs are kept this long for the queue page, then deleted (their arguments can
# hold an email address).
FINISHED_JOBS_KEPT = timedelta(days=14)


@dataclass(frozen=True)
class Upkeep:
    name: str
    every: timedelta
    run: Callable[[datetime], object]
    description: str


def _sessions_clear(now: datetime) -> str:
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    return "expired sessions cleared"


def _jobs_reap_and_requeue(now: datetime) -> str:
    """Jobs whose worker died stay 'running' in the backend for ever: mark them failed, and
    queue their emails again."""
    lost_before = now - timedelta(seconds=settings.TASK_LOST_AFTER_SECONDS)
    reaped = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=lost_before
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="WorkerLost",
        traceback="The worker running this job stopped before it finished.",
    )
    requeued = emails_requeue_lost(now=now)
    return f"{reaped} lost job(s), {requeued} email(s) queued again"


def _jobs_prune(now: datetime) -> str:
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - FINISHED_JOBS_KEPT,
    ).delete()
    return f"{deleted} finished job(s) deleted"


def schedule() -> tuple[Upkeep, ...]:
    return (
        Upkeep(
            "reminders",
            timedelta(minutes=15),
            lambda now: f"{reminders_send(now=now)} reminder(s) queued",
            "Queue reminders for appointments in the next REMINDER_WINDOW_HOURS.",
        ),
        Upkeep(
            "lost-jobs",
            timedelta(seconds=settings.EMAIL_SWEEP_SECONDS),
            _jobs_reap_and_requeue,
            "Fail jobs of dead workers and queue their emails again.",
        ),
        Upkeep("sessions", timedelta(hours=1), _sessions_clear, "Delete expired sessions."),
        Upkeep(
            "booking-drafts",
            timedelta(minutes=15),
            lambda now: f"{drafts.purge(now=now)} expired booking draft(s) deleted",
            "Delete unfinished online bookings' answers after BOOKING_DRAFT_MINUTES.",
        ),
        Upkeep(
            "portal-links",
            timedelta(hours=1),
            lambda now: f"{portal_tokens_delete_expired(now=now)} expired link(s) deleted",
            "Delete expired portal sign-in links.",
        ),
        Upkeep("old-jobs", timedelta(days=1), _jobs_prune, "Delete finished jobs after 14 days."),
    )


def _by_name(name: str) -> Upkeep:
    for job in schedule():
        if job.name == name:
            return job
    raise KeyError(UNKNOWN_JOB.format(name=name))


def upkeep_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """Queue every upkeep job that is due; return the names this call queued."""
    now = now or timezone.now()
    jobs = schedule()
    UpkeepJob.objects.bulk_create(
        [UpkeepJob(name=job.name, next_run_at=now) for job in jobs], ignore_conflicts=True
    )
    queued = []
    for job in jobs:
        with transaction.atomic():
            claimed = UpkeepJob.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_enqueued_at=now
            )
            if claimed:
                run_upkeep.enqueue(job.name)
                queued.append(job.name)
    return queued


def upkeep_run(*, name: str, now: datetime | None = None) -> str:
    """Run the upkeep job `name` now and record how it went on its `UpkeepJob` row."""
    job = _by_name(name)
    now = now or timezone.now()
    UpkeepJob.objects.filter(name=name).update(last_started_at=now)
    try:
        result = str(job.run(now))
    except Exception as exc:
        UpkeepJob.objects.filter(name=name).update(
            last_finished_at=timezone.now(), last_ok=False, last_result=type(exc).__name__
        )
        logger.exception("upkeep job %s failed", name)
        raise
    UpkeepJob.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_ok=True, last_result=result[:300]
    )
    return result
