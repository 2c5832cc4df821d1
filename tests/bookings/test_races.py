"""Real threads against the real database (SQLite file or PostgreSQL): eight people try to
take the same time at once; exactly one gets it, the rest get the domain error.

Every thread waits at a barrier placed between the availability check and the insert
(`full_clean` runs right before the save). On PostgreSQL all eight pass the check and the
exclusion constraint decides; on SQLite the IMMEDIATE transaction makes the others queue
at BEGIN, so the barrier times out and they find the time taken when their turn comes.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bookings import errors
from bookings.models import Appointment
from bookings.services.appointments import appointment_reschedule
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local
from tests.conftest import make_client, make_therapist

THREADS = 8
race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_together(monkeypatch, attempt) -> list[str]:
    """Run `attempt(i)` in THREADS threads, all released together and held again between
    check and write; return each outcome ("ok", a domain message, or an exception repr)."""
    start = threading.Barrier(THREADS)
    between = threading.Barrier(THREADS)
    # On SQLite only one thread is ever inside a transaction, so don't wait long there.
    timeout = 10 if connection.vendor == "postgresql" else 1
    original = Appointment.full_clean

    def full_clean_then_wait(self, *args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            between.wait(timeout=timeout)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Appointment, "full_clean", full_clean_then_wait)

    def worker(i: int) -> str:
        try:
            start.wait(timeout=30)
            attempt(i)
            return "ok"
        except ValidationError as exc:
            return exc.messages[0]
        except Exception as exc:  # noqa: BLE001 - any other outcome is the bug we look for
            return repr(exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, range(THREADS)))


@race
def test_eight_concurrent_bookings_of_one_slot_exactly_one_wins(monkeypatch, therapist, option_60):
    add_hours(therapist)
    clients = [make_client() for _ in range(THREADS)]

    outcomes = run_together(
        monkeypatch,
        lambda i: book(clients[i], option_60, local(MONDAY, 10), therapist=therapist),
    )

    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count(errors.SLOT_TAKEN) == THREADS - 1, outcomes
    assert Appointment.objects.count() == 1


@race
def test_eight_concurrent_overlapping_bookings_with_no_preference_one_wins(monkeypatch, therapist, option_60):
    add_hours(therapist)
    clients = [make_client() for _ in range(THREADS)]
    # Different but overlapping start times, no therapist chosen.
    starts = [local(MONDAY, 10, 15 * (i % 4)) for i in range(THREADS)]

    outcomes = run_together(monkeypatch, lambda i: book(clients[i], option_60, starts[i]))

    assert outcomes.count("ok") == 1, outcomes
    assert all(o in ("ok", errors.SLOT_TAKEN) for o in outcomes), outcomes
    assert Appointment.objects.count() == 1


@race
def test_eight_concurrent_reschedules_into_one_slot_exactly_one_wins(monkeypatch, therapist, option_60):
    add_hours(therapist, "07:00", "21:00")
    existing = [
        book(make_client(), option_60, local(MONDAY, 7, 0) + i * (local(MONDAY, 8, 15) - local(MONDAY, 7)), therapist=therapist)
        for i in range(THREADS)
    ]
    target = local(MONDAY, 19)

    outcomes = run_together(
        monkeypatch,
        lambda i: appointment_reschedule(appointment=existing[i], starts_at=target, now=NOW),
    )

    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count(errors.SLOT_TAKEN) == THREADS - 1, outcomes
    assert Appointment.objects.filter(starts_at=target).count() == 1


@race
def test_eight_concurrent_bookings_of_one_client_with_eight_therapists_one_wins(monkeypatch, option_60):
    therapists = [make_therapist(f"Therapist {i}") for i in range(THREADS)]
    for therapist in therapists:
        add_hours(therapist)
    client = make_client()

    outcomes = run_together(
        monkeypatch,
        lambda i: book(client, option_60, local(MONDAY, 10), therapist=therapists[i]),
    )

    assert outcomes.count("ok") == 1, outcomes
    busy = [o for o in outcomes if o.startswith("The client already has an appointment then")]
    assert len(busy) == THREADS - 1, outcomes
    assert Appointment.objects.filter(client=client).count() == 1
