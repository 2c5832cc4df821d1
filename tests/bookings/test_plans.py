"""Treatment plans: a course booked in one go through the booking service, all or nothing."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bookings import errors
from bookings.models import Appointment, PlanSession, TreatmentPlan
from bookings.models.plans import default_collect_at
from bookings.services.plans import (
    SAME_PLAN_OVERLAP,
    PlanConflict,
    plan_book,
    plan_schedule,
)
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local, spec_for
from tests.conftest import make_client


@pytest.fixture
def two_collisions(working_therapist, option_60):
    """Sessions 3 and 6 of a Monday-10:00 weekly plan are already taken by other clients."""
    for week in (2, 5):
        book(make_client(), option_60, local(MONDAY + timedelta(weeks=week), 10), therapist=working_therapist)


def test_default_collection_visits_are_first_every_fourth_and_last():
    assert default_collect_at(8) == [1, 4, 8]
    assert default_collect_at(10) == [1, 4, 8, 10]
    assert default_collect_at(1) == [1]


def test_occurrences_are_weekly_on_the_preferred_weekday(client_person, working_therapist, option_60):
    spec = spec_for(client_person, working_therapist, option_60, first_date=MONDAY - timedelta(days=2))
    starts = spec.occurrences()
    assert starts[0] == local(MONDAY, 10)
    assert [s.date() for s in starts] == [MONDAY + timedelta(weeks=n) for n in range(8)]


def test_colliding_occurrences_are_listed_with_alternatives_and_nothing_is_saved(
    client_person, working_therapist, option_60, two_collisions
):
    spec = spec_for(client_person, working_therapist, option_60)
    schedule = plan_schedule(spec, now=NOW)
    refused = [o for o in schedule if o.refusal]
    assert [o.number for o in refused] == [3, 6]
    assert all(o.refusal == errors.SLOT_TAKEN for o in refused)
    # The nearest free times: the same day, after the taken hour and its cleanup buffer.
    assert refused[0].alternatives[0] == local(MONDAY + timedelta(weeks=2), 11, 15)
    assert all(abs(a - refused[0].planned) <= timedelta(days=3) for a in refused[0].alternatives)

    with pytest.raises(PlanConflict) as exc:
        plan_book(spec=spec, now=NOW)
    assert exc.value.code == "plan_conflicts"
    assert [o.number for o in exc.value.schedule if o.refusal] == [3, 6]
    assert TreatmentPlan.objects.count() == 0
    assert Appointment.objects.count() == 2  # only the two that were there before


def test_chosen_alternatives_book_the_whole_plan(client_person, working_therapist, option_60, two_collisions):
    spec = spec_for(client_person, working_therapist, option_60)
    schedule = plan_schedule(spec, now=NOW)
    choices = {o.number: o.alternatives[0] for o in schedule if o.refusal}

    plan = plan_book(spec=spec, choices=choices, now=NOW)

    sessions = list(plan.plan_sessions.select_related("appointment").order_by("number"))
    assert [s.number for s in sessions] == list(range(1, 9))
    assert sessions[2].appointment.starts_at == choices[3]
    assert sessions[5].appointment.starts_at == choices[6]
    assert all(s.appointment.client == client_person for s in sessions)
    assert all(s.appointment.source == "staff" for s in sessions)
    assert str(sessions[2]) == "Session 3 of 8"
    assert plan.collect_at == [1, 4, 8]
    assert "meeting" not in str(plan)  # the goal is clinical text


def test_a_chosen_time_that_collides_with_another_session_of_the_plan_is_refused(
    client_person, working_therapist, option_60, two_collisions
):
    spec = spec_for(client_person, working_therapist, option_60)
    choices = {3: local(MONDAY + timedelta(weeks=3), 10), 6: local(MONDAY + timedelta(weeks=5), 11, 15)}
    schedule = plan_schedule(spec, choices=choices, now=NOW)
    assert [(o.number, o.refusal) for o in schedule if o.refusal] == [(4, SAME_PLAN_OVERLAP)]


def test_skipping_needs_an_accepted_partial_plan(client_person, working_therapist, option_60, two_collisions):
    spec = spec_for(client_person, working_therapist, option_60)
    with pytest.raises(ValidationError) as exc:
        plan_book(spec=spec, choices={3: None, 6: None}, now=NOW)
    assert exc.value.code == "plan_partial"
    assert TreatmentPlan.objects.count() == 0

    plan = plan_book(spec=spec, choices={3: None, 6: None}, accept_partial=True, now=NOW)
    assert plan.sessions == 6
    assert list(plan.plan_sessions.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_a_plan_that_fails_mid_way_saves_nothing(client_person, working_therapist, option_60, monkeypatch):
    """A booking refused by the service after the check (a lost race) rolls back the plan."""
    from bookings.services import plans as service

    calls = {"n": 0}
    real = service.appointment_book

    def fail_on_fifth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise ValidationError(errors.SLOT_TAKEN, code="slot_taken")
        return real(**kwargs)

    monkeypatch.setattr(service, "appointment_book", fail_on_fifth)
    with pytest.raises(ValidationError) as exc:
        plan_book(spec=spec_for(client_person, working_therapist, option_60), now=NOW)
    assert exc.value.code == "slot_taken"
    assert (TreatmentPlan.objects.count(), PlanSession.objects.count(), Appointment.objects.count()) == (0, 0, 0)


def test_a_therapist_who_does_not_offer_the_treatment_is_refused(client_person, option_60):
    from tests.conftest import make_therapist

    other = make_therapist("Nobody", treatments=[])
    add_hours(other)
    with pytest.raises(ValidationError) as exc:
        plan_book(spec=spec_for(client_person, other, option_60), now=NOW)
    assert exc.value.code == "plan_therapist"


@pytest.mark.parametrize("field,value,code", [
    ("sessions", 0, "plan_sessions"), ("sessions", 53, "plan_sessions"),
    ("interval_days", 0, "plan_interval"), ("measures", ("odi",), "plan_measures"),
    ("collect_at", (9,), "plan_collect_at"),
])
def test_bad_plans_are_refused_with_a_code(client_person, working_therapist, option_60, field, value, code):
    with pytest.raises(ValidationError) as exc:
        plan_book(spec=spec_for(client_person, working_therapist, option_60, **{field: value}), now=NOW)
    assert exc.value.code == code


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_plan_racing_a_single_booking_of_one_occurrence_never_double_books(monkeypatch, therapist, option_60):
    add_hours(therapist)
    plan_client, walk_in = make_client(), make_client()
    contested = local(MONDAY + timedelta(weeks=2), 10)
    both_checked = threading.Barrier(2)
    # On SQLite the IMMEDIATE transaction makes the second writer queue at BEGIN, so the
    # barrier can only time out there; on PostgreSQL both pass the check together.
    timeout = 10 if connection.vendor == "postgresql" else 1
    original = Appointment.full_clean

    def full_clean_then_wait(self, *args, **kwargs):
        if self.starts_at == contested:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_checked.wait(timeout=timeout)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Appointment, "full_clean", full_clean_then_wait)
    outcomes: dict[str, str] = {}

    def run(name, attempt):
        try:
            attempt()
            outcomes[name] = "ok"
        except ValidationError as exc:
            outcomes[name] = exc.code or exc.messages[0]
        except Exception as exc:  # noqa: BLE001 - any other outcome is the bug we look for
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("plan", lambda: plan_book(
            spec=spec_for(plan_client, therapist, option_60), now=NOW))),
        threading.Thread(target=run, args=("single", lambda: book(
            walk_in, option_60, contested, therapist=therapist))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    # Whoever loses is refused with a domain error: by the database guard (slot_taken), by
    # the re-check (unavailable), or, for a plan checked after the walk-in committed, by
    # the plan's own conflict list.
    lost = {"slot_taken", "unavailable", "plan_conflicts"}
    assert list(outcomes.values()).count("ok") == 1, outcomes
    assert set(outcomes.values()) - {"ok"} <= lost, outcomes
    at_contested = Appointment.objects.filter(starts_at=contested).active()
    assert at_contested.count() == 1
    if outcomes["plan"] == "ok":
        assert at_contested.get().client == plan_client
        assert PlanSession.objects.count() == 8
    else:
        assert at_contested.get().client == walk_in
        assert (TreatmentPlan.objects.count(), PlanSession.objects.count()) == (0, 0)
        assert Appointment.objects.count() == 1
