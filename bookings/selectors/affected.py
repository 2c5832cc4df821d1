"""Which booked appointments a change to the diary affects.

Time off, a closure, shorter working hours, or deactivating a therapist or a room can each
leave booked appointments where nobody will treat them. These reads list them, so the
service can insist on a decision for each (keep, move, cancel) and the admin can ask.
Only appointments that can still be moved or cancelled are listed (booked or confirmed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.db.models import QuerySet

from bookings.models import Appointment, Closure, TimeOff, WorkingHours
from bookings.rules import CHANGEABLE
from bookings.selectors.availability import clinic_zone
from clinic.models import Room, Therapist


def _open() -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(status__in=CHANGEABLE)
        .select_related("client", "therapist", "treatment_type", "room")
        .order_by("starts_at", "pk")
    )


def affected_by_time_off(time_off: TimeOff) -> list[Appointment]:
    """The therapist's open appointments whose blocked time overlaps the time off (the
    same overlap `Diary` refuses new bookings for: treatment plus cleanup buffer)."""
    return list(
        _open().filter(
            therapist_id=time_off.therapist_id,
            starts_at__lt=time_off.ends_at,
            buffer_ends_at__gt=time_off.starts_at,
        )
    )


def affected_by_closure(closure: Closure) -> list[Appointment]:
    """Open appointments starting on the closed local date."""
    zone = clinic_zone()
    start = datetime.combine(closure.date, time.min, tzinfo=zone)
    end = datetime.combine(closure.date + timedelta(days=1), time.min, tzinfo=zone)
    return list(_open().filter(starts_at__gte=start, starts_at__lt=end))


def affected_by_therapist_leaving(therapist: Therapist, *, now: datetime) -> list[Appointment]:
    """The therapist's open appointments from now on, when saving `therapist` deactivates
    them (read before the save). Saving an already inactive therapist asks nothing again:
    their remaining appointments were decided on when they left."""
    if therapist.active or not Therapist.objects.filter(pk=therapist.pk, active=True).exists():
        return []
    return list(_open().filter(therapist_id=therapist.pk, starts_at__gte=now))


def affected_by_room_closing(room: Room, *, now: datetime) -> list[Appointment]:
    """Open appointments in the room from now on, when saving `room` deactivates it (read
    before the save), like `affected_by_therapist_leaving`."""
    if room.active or not Room.objects.filter(pk=room.pk, active=True).exists():
        return []
    return list(_open().filter(room_id=room.pk, starts_at__gte=now))


def _merged(spans: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    out: list[tuple[time, time]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def affected_by_hours_change(
    hours: WorkingHours, *, now: datetime, deleting: bool = False
) -> list[Appointment]:
    """Open future appointments that no longer lie inside the therapist's working hours
    once `hours` is saved (or deleted). Working hours are local wall-clock times, so the
    appointments are compared on the local clock too, which holds across daylight saving.
    An edit that moves a row to another weekday or therapist checks both sides."""
    old = WorkingHours.objects.filter(pk=hours.pk).first() if hours.pk else None
    keys = {(hours.therapist_id, hours.weekday)}
    if old is not None:
        keys.add((old.therapist_id, old.weekday))
    zone = clinic_zone()
    affected: list[Appointment] = []
    for therapist_id, weekday in sorted(keys):
        rows = WorkingHours.objects.filter(therapist_id=therapist_id, weekday=weekday)
        if hours.pk:
            rows = rows.exclude(pk=hours.pk)
        spans = [(row.start_time, row.end_time) for row in rows]
        if not deleting and (hours.therapist_id, hours.weekday) == (therapist_id, weekday):
            spans.append((hours.start_time, hours.end_time))
        intervals = _merged(spans)
        for appointment in _open().filter(therapist_id=therapist_id, starts_at__gte=now):
            start = appointment.starts_at.astimezone(zone)
            end = appointment.ends_at.astimezone(zone)
            if start.isoweekday() != weekday:
                continue
            inside = end.date() == start.date() and any(
                s <= start.time() and end.time() <= e for s, e in intervals
            )
            if not inside:
                affected.append(appointment)
    return sorted(affected, key=lambda a: (a.starts_at, a.pk))
