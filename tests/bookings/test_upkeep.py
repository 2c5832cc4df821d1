"""Scheduled upkeep: each period queued once however many workers check the schedule, each
job safe to run twice at once, and the outcome of every run recorded for the queue page."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.models import PortalToken, UpkeepJob
from bookings.services import upkeep
from bookings.services.portal import portal_link_issue
from tests.conftest import run_jobs

NAMES = ["reminders", "lost-jobs", "sessions", "booking-drafts", "portal-links", "old-jobs"]


def test_each_due_job_is_queued_once_per_period(db):
    now = timezone.now()
    assert upkeep.upkeep_enqueue_due(now=now) == NAMES
    assert upkeep.upkeep_enqueue_due(now=now + timedelta(seconds=1)) == []
    assert upkeep.upkeep_enqueue_due(now=now + timedelta(minutes=16)) == ["reminders", "lost-jobs", "booking-drafts"]
    assert DBTaskResult.objects.filter(task_path="bookings.tasks.run_upkeep").count() == 9


def test_every_job_runs_and_its_outcome_is_recorded(db, client_person):
    expired = SessionStore()
    expired.set_expiry(-10)
    expired.create()
    portal_link_issue(email=client_person.email, now=timezone.now() - timedelta(days=2))
    upkeep.upkeep_enqueue_due()

    run_jobs()

    jobs = {job.name: job for job in UpkeepJob.objects.all()}
    assert sorted(jobs) == sorted(NAMES)
    assert all(job.last_ok and job.last_finished_at for job in jobs.values())
    assert jobs["portal-links"].last_result == "1 expired link(s) deleted"
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert not PortalToken.objects.exists()


def test_a_failing_job_is_recorded_as_failed(db):
    upkeep.upkeep_enqueue_due()
    with (
        mock.patch.object(upkeep, "_sessions_clear", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        upkeep.upkeep_run(name="sessions")
    job = UpkeepJob.objects.get(name="sessions")
    assert (job.last_ok, job.last_result) == (False, "RuntimeError")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_checking_the_schedule_at_once_queue_each_job_once():
    now = timezone.now()
    barrier = threading.Barrier(2)
    queued: list[list[str]] = []
    errors: list[BaseException] = []

    def check():
        try:
            barrier.wait()
            queued.append(upkeep.upkeep_enqueue_due(now=now))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors
    assert sorted(queued[0] + queued[1]) == sorted(NAMES)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", NAMES)
def test_each_job_is_safe_to_run_twice_at_once(name):
    upkeep.upkeep_enqueue_due()  # creates the rows
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            upkeep.upkeep_run(name=name)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors
    assert UpkeepJob.objects.get(name=name).last_ok is True
