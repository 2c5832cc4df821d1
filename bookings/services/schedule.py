"""Writes to the diary: working hours, time off, closures, rooms and the booking policy.

A change that takes time away (time off, a closure, shorter hours, a room or therapist
leaving) can strand booked appointments. Each such service lists them with
`bookings.selectors.affected` and needs a decision for every one: keep it, move it
(through `appointment_reschedule`) or cancel it (through `appointment_cancel`, which tells
the client). Without a decision for each it refuses with `decision_needed`; the change
and all decisions run in one transaction, so a refused move saves nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from bookings.models import Appointment, BookingPolicy, Closure, TimeOff, WorkingHours
from bookings.selectors import affected as affected_selectors
from bookings.selectors.availability import clinic_zone
from bookings.services.appointments import appointment_cancel, appointment_reschedule
from clinic.models import Room, Therapist

DECISION_NEEDED = (
    "This change affects booked appointments: decide for each one whether to keep, move or "
    "cancel it."
)
REFUSED_FOR = "{when} with {client}: {reason}"
CLOSED_REASON = "The clinic is closed that day."
AWAY_REASON = "The therapist is not available at that time."
ROOM_REASON = "The treatment room is not available."


class Choice(models.TextChoices):
    KEEP = "keep", "Keep it as booked"
    MOVE = "move", "Move it"
    CANCEL = "cancel", "Cancel it and tell the client"


@dataclass(frozen=True)
class Decision:
    """What to do with one affected appointment. A move keeps the time or the therapist
    when the other is given: `therapist=None` keeps the therapist, `starts_at=None` the time."""

    choice: str
    therapist: Therapist | None = None
    starts_at: datetime | None = None


Decisions = Mapping[int, Decision]


def _describe(appointment: Appointment) -> str:
    return f"{appointment.starts_at.astimezone(clinic_zone()):%a %d %b %Y %H:%M}"


def resolve_affected(
    affected: list[Appointment], decisions: Decisions, *, reason: str, now: datetime
) -> None:
    """Carry out a decision for every affected appointment, or refuse.

    Raises `decision_needed` (params: the undecided appointment ids) when one is missing,
    and names the appointment when a move or cancellation is refused."""
    undecided = [a.pk for a in affected if a.pk not in decisions]
    if undecided:
        raise ValidationError(DECISION_NEEDED, code="decision_needed", params={"appointments": undecided})
    for appointment in affected:
        decision = decisions[appointment.pk]
        try:
            if decision.choice == Choice.MOVE:
                # Same time and therapist is allowed: the booking rules run again and
                # a room change finds a free room; a move into the time off is refused.
                appointment_reschedule(
                    appointment=appointment,
                    starts_at=decision.starts_at or appointment.starts_at,
                    therapist=decision.therapist,
                    now=now,
                    by_staff=True,
                )
            elif decision.choice == Choice.CANCEL:
                appointment_cancel(appointment=appointment, reason=reason, now=now)
        except ValidationError as exc:
            raise ValidationError(
                REFUSED_FOR.format(
                    when=_describe(appointment), client=appointment.client, reason=" ".join(exc.messages)
                ),
                code=exc.code or "refused",
            ) from exc


def _save(row: models.Model) -> None:
    row.full_clean()
    row.save()


@transaction.atomic
def time_off_save(
    *, time_off: TimeOff, decisions: Decisions | None = None, now: datetime | None = None
) -> TimeOff:
    """Record (or change) a therapist's time off, deciding for each appointment it covers."""
    now = now or timezone.now()
    _save(time_off)
    affected = affected_selectors.affected_by_time_off(time_off)
    resolve_affected(affected, decisions or {}, reason=AWAY_REASON, now=now)
    return time_off


@transaction.atomic
def time_off_delete(*, time_off: TimeOff) -> None:
    """Remove time off; it only frees time, so nothing else changes."""
    time_off.delete()


@transaction.atomic
def closure_save(
    *, closure: Closure, decisions: Decisions | None = None, now: datetime | None = None
) -> Closure:
    """Close the clinic on a date, deciding for each appointment booked that day."""
    now = now or timezone.now()
    _save(closure)
    affected = affected_selectors.affected_by_closure(closure)
    resolve_affected(affected, decisions or {}, reason=CLOSED_REASON, now=now)
    return closure


@transaction.atomic
def closure_delete(*, closure: Closure) -> None:
    closure.delete()


@transaction.atomic
def working_hours_save(
    *, hours: WorkingHours, decisions: Decisions | None = None, now: datetime | None = None
) -> WorkingHours:
    """Add or change a working interval, deciding for each appointment that would fall
    outside the therapist's hours."""
    now = now or timezone.now()
    affected = affected_selectors.affected_by_hours_change(hours, now=now)
    _save(hours)
    resolve_affected(affected, decisions or {}, reason=AWAY_REASON, now=now)
    return hours


@transaction.atomic
def working_hours_delete(
    *, hours: WorkingHours, decisions: Decisions | None = None, now: datetime | None = None
) -> None:
    """Remove a working interval, deciding for each appointment booked in it."""
    now = now or timezone.now()
    affected = affected_selectors.affected_by_hours_change(hours, now=now, deleting=True)
    hours.delete()
    resolve_affected(affected, decisions or {}, reason=AWAY_REASON, now=now)


@transaction.atomic
def room_save(*, room: Room, decisions: Decisions | None = None, now: datetime | None = None) -> Room:
    """Add or change a room. Deactivating it needs a decision for each appointment booked
    in it from now on (a move may keep the time: the booking service finds a free room)."""
    now = now or timezone.now()
    affected = affected_selectors.affected_by_room_closing(room, now=now)  # before the save
    _save(room)
    resolve_affected(affected, decisions or {}, reason=ROOM_REASON, now=now)
    return room


@transaction.atomic
def room_delete(*, room: Room) -> None:
    """Delete a room; one with appointments on record is protected by the database."""
    room.delete()


@transaction.atomic
def booking_policy_save(*, policy: BookingPolicy) -> BookingPolicy:
    """Save the clinic's booking policy (its single row, created when missing)."""
    policy.pk = BookingPolicy.SINGLETON_ID
    policy.full_clean(validate_unique=False)
    policy.save()
    return policy
