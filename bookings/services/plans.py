"""Treatment plans: book a course of sessions in one go, through the booking service.

`plan_schedule` (a read) lays out the occurrences, checks each one with the availability
selector's own rules (`Diary.refusal`, staff windows) and offers the nearest free times
for those that cannot be booked. `plan_book` re-checks inside one transaction and books
every occurrence with `appointment_book`, so each is checked like any booking and the
database's overlap guard decides races. Nothing is saved unless every occurrence books
(all or nothing); occurrences the therapist chose to skip are left out only when they
accepted a partial plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import errors
from bookings.models import AppointmentSource, BookingPolicy, PlanSession, TreatmentPlan
from bookings.models.plans import MAX_SESSIONS, default_collect_at
from bookings.selectors.availability import Diary, clinic_zone
from bookings.services.appointments import appointment_book
from clinic.models import Client, Therapist
from treatments.models import TreatmentOption
from treatments.outcomes import INSTRUMENTS

PLAN_CONFLICTS = "Some sessions cannot be booked at the planned time: choose another time or skip them."
PLAN_PARTIAL = "Some sessions are skipped: tick “book the plan without them” to accept a shorter plan."
PLAN_EMPTY = "Every session is skipped: there is nothing to book."
PLAN_SESSIONS = f"A plan has 1 to {MAX_SESSIONS} sessions."
PLAN_INTERVAL = "The interval is 1 to 60 days."
PLAN_MEASURES = "Choose outcome measures from the list."
PLAN_COLLECT_AT = "The visits that collect measures must be session numbers of the plan."
PLAN_THERAPIST = "That therapist does not offer this treatment."
SAME_PLAN_OVERLAP = "Another session of this plan is at that time."

# Alternatives are searched this many days either side of the planned date.
ALTERNATIVE_DAYS = 3
ALTERNATIVES = 3


@dataclass(frozen=True)
class PlanSpec:
    """What the therapist asked for; nothing of it is saved until `plan_book`."""

    client: Client
    therapist: Therapist
    option: TreatmentOption
    goal: str
    sessions: int
    interval_days: int
    weekday: int
    start_time: time
    first_date: date
    measures: tuple[str, ...] = ()
    collect_at: tuple[int, ...] = ()

    def occurrences(self) -> list[datetime]:
        """The planned starts: the preferred weekday on or after `first_date`, then every
        `interval_days`. Built as wall-clock times in the clinic's zone per date, so a
        course that crosses a daylight-saving change keeps its 10:00."""
        zone = clinic_zone()
        first = self.first_date + timedelta(days=(self.weekday - self.first_date.isoweekday()) % 7)
        return [
            datetime.combine(first + timedelta(days=n * self.interval_days), self.start_time, tzinfo=zone)
            for n in range(self.sessions)
        ]


@dataclass(frozen=True)
class Occurrence:
    number: int
    planned: datetime
    start: datetime | None  # the time to book (planned or chosen); None when skipped
    refusal: str | None = None
    alternatives: tuple[datetime, ...] = field(default_factory=tuple)

    @property
    def skipped(self) -> bool:
        return self.start is None

    @property
    def bookable(self) -> bool:
        return self.start is not None and self.refusal is None


class PlanConflict(ValidationError):
    """Some occurrences cannot be booked; `schedule` says which and offers alternatives."""

    def __init__(self, schedule: list[Occurrence]) -> None:
        super().__init__(PLAN_CONFLICTS, code="plan_conflicts")
        self.schedule = schedule


def _validate(spec: PlanSpec) -> None:
    if not 1 <= spec.sessions <= MAX_SESSIONS:
        raise ValidationError(PLAN_SESSIONS, code="plan_sessions")
    if not 1 <= spec.interval_days <= 60:
        raise ValidationError(PLAN_INTERVAL, code="plan_interval")
    if any(code not in INSTRUMENTS for code in spec.measures):
        raise ValidationError(PLAN_MEASURES, code="plan_measures")
    if any(not 1 <= n <= spec.sessions for n in spec.collect_at):
        raise ValidationError(PLAN_COLLECT_AT, code="plan_collect_at")


def plan_schedule(
    spec: PlanSpec, *, choices: dict[int, datetime | None] | None = None, now: datetime | None = None
) -> list[Occurrence]:
    """Each occurrence of the plan with why it cannot be booked (or None) and, when it
    cannot, the nearest free times with the same therapist. `choices` replaces planned
    times by number (None skips the occurrence). One `Diary` for the whole course."""
    now = now or timezone.now()
    _validate(spec)
    choices = choices or {}
    planned = spec.occurrences()
    starts = {n: choices.get(n, p) for n, p in enumerate(planned, start=1)}
    zone = clinic_zone()
    real = [s for s in starts.values() if s is not None] + planned
    first_day = min(s.astimezone(zone).date() for s in real) - timedelta(days=ALTERNATIVE_DAYS)
    last_day = max(s.astimezone(zone).date() for s in real) + timedelta(days=ALTERNATIVE_DAYS)
    option = TreatmentOption.objects.select_related("treatment_type").get(pk=spec.option.pk)
    diary = Diary.load(
        treatment_type_id=option.treatment_type_id,
        duration=timedelta(minutes=option.duration_minutes),
        buffer=timedelta(minutes=option.treatment_type.buffer_minutes),
        start_date=first_day,
        days=(last_day - first_day).days + 1,
        therapist_id=spec.therapist.pk,
        now=now,
        policy=BookingPolicy.current().for_staff(),
    )
    tid = spec.therapist.pk
    block = diary.duration + diary.buffer
    # Sessions of this plan already accepted in this pass: a chosen time must not collide
    # with another session of the same plan either.
    accepted: list[datetime] = []

    def own_overlap(start: datetime) -> bool:
        return any(start < other + block and other < start + block for other in accepted)

    schedule = []
    for number, planned_start in enumerate(planned, start=1):
        start = starts[number]
        if start is None:
            schedule.append(Occurrence(number, planned_start, None))
            continue
        code = diary.refusal(tid, start.astimezone(UTC))
        reason = errors.MESSAGES[code] if code else None
        if reason is None and own_overlap(start.astimezone(UTC)):
            reason = SAME_PLAN_OVERLAP
        if reason is None:
            accepted.append(start.astimezone(UTC))
            schedule.append(Occurrence(number, planned_start, start))
            continue
        schedule.append(
            Occurrence(number, planned_start, start, reason, _alternatives(diary, tid, planned_start, own_overlap))
        )
    return schedule


def _alternatives(diary: Diary, therapist_id: int, planned: datetime, own_overlap) -> tuple[datetime, ...]:
    """The free grid times nearest to `planned`, within ALTERNATIVE_DAYS either side."""
    zone = clinic_zone()
    day = planned.astimezone(zone).date()
    target = planned.astimezone(UTC)
    free = [
        start
        for offset in range(-ALTERNATIVE_DAYS, ALTERNATIVE_DAYS + 1)
        for start in diary.free_starts(therapist_id, day + timedelta(days=offset))
        if not own_overlap(start)
    ]
    free.sort(key=lambda s: (abs(s - target), s))
    return tuple(sorted(s.astimezone(zone) for s in free[:ALTERNATIVES]))


def plan_book(
    *,
    spec: PlanSpec,
    choices: dict[int, datetime | None] | None = None,
    accept_partial: bool = False,
    by=None,
    now: datetime | None = None,
) -> TreatmentPlan:
    """Save the plan and book all its sessions, or raise and save nothing.

    Raises `PlanConflict` (code "plan_conflicts") with the schedule and its alternatives
    when an occurrence cannot be booked at its time; "plan_partial" when some are skipped
    without `accept_partial`; and the booking service's own errors (e.g. "slot_taken") when
    a concurrent booking takes a time between the check and the insert, in which case the
    whole plan is rolled back.
    """
    now = now or timezone.now()
    if not spec.option.treatment_type.therapists.filter(pk=spec.therapist.pk).exists():
        raise ValidationError(PLAN_THERAPIST, code="plan_therapist")
    with transaction.atomic():
        schedule = plan_schedule(spec, choices=choices, now=now)
        if any(o.refusal for o in schedule):
            raise PlanConflict(schedule)
        to_book = [o for o in schedule if o.bookable]
        if not to_book:
            raise ValidationError(PLAN_EMPTY, code="plan_empty")
        if len(to_book) < len(schedule) and not accept_partial:
            raise ValidationError(PLAN_PARTIAL, code="plan_partial")
        sessions = len(to_book)
        collect_at = sorted(n for n in spec.collect_at if n <= sessions) or default_collect_at(sessions)
        plan = TreatmentPlan(
            client=spec.client,
            therapist=spec.therapist,
            goal=spec.goal,
            treatment_type=spec.option.treatment_type,
            option=spec.option,
            sessions=sessions,
            interval_days=spec.interval_days,
            weekday=spec.weekday,
            start_time=spec.start_time,
            first_date=spec.first_date,
            measures=list(spec.measures),
            collect_at=collect_at if spec.measures else [],
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        plan.full_clean()
        plan.save()
        starts = sorted(o.start for o in to_book if o.start is not None)  # bookable: has a start
        for number, starts_at in enumerate(starts, start=1):
            appointment = appointment_book(
                client=spec.client,
                option=spec.option,
                starts_at=starts_at,
                source=AppointmentSource.STAFF,
                therapist=spec.therapist,
                now=now,
                # Who books decides who may (a therapist only with themselves) and that
                # a therapist's own plan grants no early access to the record.
                by=by if getattr(by, "is_authenticated", False) else None,
            )
            PlanSession.objects.create(plan=plan, appointment=appointment, number=number)
    return plan

