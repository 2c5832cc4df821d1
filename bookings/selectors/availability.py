"""Free appointment times, computed in a constant number of queries.

`Diary` loads everything a window of days needs in one query (the therapists offering the
treatment, their hours, time off and appointments, closures and rooms; the policy is read
before it) and answers in Python with sorted interval arithmetic. The slot list
(`slots_available`) and the booking service (`Diary.refusal`) use the same `Diary`, so a
listed slot can be booked and a time that is not listed is refused for a stated reason.

Time: working hours are wall-clock times in the clinic's zone. Each day's intervals are
built with zoneinfo for that date and converted to UTC, so a 09:00-17:00 shift is
09:00-17:00 local on both daylight-saving days; all arithmetic after that is in UTC.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Expression,
    F,
    Field,
    IntegerField,
    Q,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from bookings import rules
from bookings.models import (
    INACTIVE_STATUSES,
    Appointment,
    BookingPolicy,
    Closure,
    TimeOff,
    WorkingHours,
)
from clinic import generations
from clinic.models import Room, Therapist
from treatments.models import TreatmentOption

# Appointments last at most 8 hours plus a 2-hour buffer (model constraints and validators),
# so one that overlaps a window started at most this long before it.
LOOKBACK = timedelta(days=1)


clinic_zone = rules.clinic_zone


@dataclass(frozen=True, slots=True)
class Slot:
    """A free start time. `start` and `end` are aware, in the clinic's zone; subtract
    them in UTC for real durations (Python subtracts same-zone times on the wall clock)."""

    start: datetime
    end: datetime
    therapist_id: int
    therapist_name: str


class Intervals:
    """Sorted, merged half-open intervals [start, end) with a fast overlap test."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: Iterable[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                if end > self.ends[-1]:
                    self.ends[-1] = end
            else:
                self.starts.append(start)
                self.ends.append(end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect.bisect_right(self.ends, start)
        return i < len(self.starts) and self.starts[i] < end

    def next_free(self, start: datetime, end: datetime) -> datetime | None:
        """When [start, end) overlaps, the end of the interval it runs into; else None."""
        i = bisect.bisect_right(self.ends, start)
        if i < len(self.starts) and self.starts[i] < end:
            return self.ends[i]
        return None


EMPTY = Intervals(())
UNBOUNDED = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


# The kinds of row the diary's query returns (see `_diary_parts`).
TIME_OFF, APPOINTMENT, THERAPIST, HOURS, CLOSURE, ROOM = range(6)


class _Bound(Expression):
    """A value given when the statement runs, so the statement can be compiled once."""

    def __init__(self, name: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [self]


def _bound(name: str, output_field: Field) -> Any:
    """`_Bound`, typed as the plain value it stands for (a rule's argument)."""
    return _Bound(name, output_field)


def _as_text(field: str):
    """A date, time or datetime column read as text, parsed in Python: the raw cursor would
    otherwise parse every datetime with a regular expression on SQLite (Django's
    converters) and in Python on PostgreSQL (Django's loader for its time zone), which was
    most of the selector's time with a thousand appointments in the window. Dates and
    times share the text columns of the diary's query."""
    return Cast(field, output_field=CharField())


def _row(queryset, kind: int, ref=None, number=None, text=None, until=None, start=None, end=None):
    """One part of the diary's UNION ALL: (kind, ref, number, text, until, start, end)."""
    columns = {
        "diary_kind": Value(kind, IntegerField()),
        "diary_ref": ref if ref is not None else Value(None, IntegerField()),
        "diary_number": number if number is not None else Value(None, IntegerField()),
        "diary_text": text if text is not None else Value(None, CharField()),
        "diary_until": until if until is not None else Value(None, CharField()),
        "diary_start": start if start is not None else Value(None, CharField()),
        "diary_end": end if end is not None else Value(None, CharField()),
    }
    return queryset.annotate(**columns).values_list(*columns).order_by()


def _diary_parts(*, one_therapist: bool, excluding: bool):
    """The diary's query as the ORM writes it, with `_Bound` placeholders. PostgreSQL types
    a UNION's columns pair by pair from the left and makes a column text when both of the
    first two parts have NULL there, so appointments (the first with a room number) come
    second."""
    window_start = _bound("window_start", DateTimeField())
    window_end = _bound("window_end", DateTimeField())
    offering = rules.therapists_offering(_bound("treatment_type", IntegerField()))
    if one_therapist:
        offering = offering.filter(pk=_bound("therapist", IntegerField()))
    offering_ids = offering.values("pk")
    time_off = TimeOff.objects.filter(
        therapist__in=offering_ids, starts_at__lt=window_end, ends_at__gt=window_start
    )
    # Every active appointment in the window: the therapists' own, and any holding a room.
    appointments = (
        Appointment.objects.filter(
            starts_at__gt=_bound("lookback", DateTimeField()),
            starts_at__lt=window_end,
            buffer_ends_at__gt=window_start,
        )
        .exclude(status__in=INACTIVE_STATUSES)
        .filter(Q(therapist__in=offering_ids) | Q(room__isnull=False))
    )
    if excluding:
        appointments = appointments.exclude(pk=_bound("exclude", IntegerField()))
    hours = WorkingHours.objects.filter(therapist__in=offering_ids)
    closures = Closure.objects.filter(
        date__gte=_bound("first_day", DateField()), date__lt=_bound("end_day", DateField())
    )
    rooms = Room.objects.filter(active=True)
    return _row(
        time_off, TIME_OFF, ref=F("therapist_id"), start=_as_text("starts_at"), end=_as_text("ends_at")
    ).union(
        _row(
            appointments, APPOINTMENT, ref=F("therapist_id"), number=F("room_id"),
            start=_as_text("starts_at"), end=_as_text("buffer_ends_at"),
        ),
        _row(
            offering, THERAPIST, ref=F("pk"), number=Window(RowNumber(), order_by=["display_name", "pk"]),
            text=F("display_name"),
        ),
        _row(
            hours, HOURS, ref=F("therapist_id"), number=F("weekday"),
            text=_as_text("start_time"), until=_as_text("end_time"),
        ),
        _row(closures, CLOSURE, text=_as_text("date")),
        _row(rooms, ROOM, ref=F("pk"), number=Window(RowNumber(), order_by=["name", "pk"])),
        all=True,
    )


class _DiaryQuery:
    """Everything a diary needs in one statement, compiled once per process for each
    database and shape (one therapist or all; an appointment left out or not): building
    and compiling six ORM querysets cost more than running them."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, bool, bool], tuple[str, list]] = {}

    def rows(self, *, therapist: int | None, exclude: int | None, **values: object) -> list[tuple]:
        """Rows (kind, ref, number, text, until, start, end), with aware UTC datetimes."""
        values.update(therapist=therapist, exclude=exclude)
        key = (connection.vendor, therapist is not None, exclude is not None)
        if key not in self._compiled:
            self._compiled[key] = _diary_parts(one_therapist=key[1], excluding=key[2]).query.sql_with_params()
        sql, template = self._compiled[key]
        params = [
            p.output_field.get_db_prep_value(values[p.name], connection) if isinstance(p, _Bound) else p
            for p in template
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # Datetimes come as ISO text in UTC: "YYYY-MM-DD HH:MM:SS[.ffffff]" as SQLite holds
        # them, with "+00" from PostgreSQL. fromisoformat is several times faster than
        # any other parse, and than datetime.replace(tzinfo=...).
        parse = datetime.fromisoformat
        utc = "+00:00" if connection.vendor == "sqlite" else ""
        return [
            (kind, ref, number, text, until, parse(f"{start}{utc}"), parse(f"{end}{utc}"))
            if kind <= APPOINTMENT
            else (kind, ref, number, text, until, start, end)
            for kind, ref, number, text, until, start, end in rows
        ]


_DIARY_QUERY = _DiaryQuery()


class Diary:
    """Everything needed to decide which start times are free for one treatment length.

    Build it with `Diary.load(...)`; it runs one query (two when not given the policy),
    whatever the window and however many appointments the database holds.
    """

    def __init__(
        self,
        *,
        now: datetime | None,
        policy: BookingPolicy,
        duration: timedelta,
        buffer: timedelta,
        therapists: dict[int, str],
        hours: dict[int, dict[int, list[tuple[time, time]]]],
        time_off: dict[int, Intervals],
        busy: dict[int, Intervals],
        room_busy: dict[int, Intervals],
        rooms: list[int],
        closures: set[date],
        appointment_spans: dict[int, list[tuple[datetime, datetime]]],
    ) -> None:
        self.zone = clinic_zone()
        self.now = now
        self.policy = policy
        self.duration = duration
        self.buffer = buffer
        self.step = timedelta(minutes=policy.slot_step_minutes)
        # Without `now`, every time of the window (see `free_times`).
        self.earliest = now + policy.min_notice if now is not None else UNBOUNDED[0]
        self.latest = now + policy.max_advance if now is not None else UNBOUNDED[1]
        self.therapists = therapists
        self.hours = hours
        self.time_off = time_off
        self.busy = busy
        self.room_busy = room_busy
        self.rooms = rooms
        self.closures = closures
        self.appointment_spans = appointment_spans
        self._intervals: dict[tuple[int, date], list[tuple[datetime, datetime]]] = {}
        self._free_rooms: dict[tuple[datetime, datetime], int | None] = {}

    # -- loading ------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        *,
        treatment_type_id: int,
        duration: timedelta,
        buffer: timedelta,
        start_date: date,
        days: int,
        therapist_id: int | None = None,
        now: datetime | None,
        exclude_appointment_id: int | None = None,
        policy: BookingPolicy | None = None,
    ) -> Diary:
        zone = clinic_zone()
        policy = policy or BookingPolicy.current()
        window_start = datetime.combine(start_date, time.min, tzinfo=zone).astimezone(UTC)
        window_end = datetime.combine(
            start_date + timedelta(days=days), time.min, tzinfo=zone
        ).astimezone(UTC) + timedelta(hours=12)  # a buffer may run past midnight

        therapists: dict[int, str] = {}
        therapist_order: dict[int, int] = {}
        hours: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
        off_spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        appointments: list[tuple[int, int | None, datetime, datetime]] = []
        closures: set[date] = set()
        room_order: dict[int, int] = {}
        rows = _DIARY_QUERY.rows(
            treatment_type=treatment_type_id,
            therapist=therapist_id,
            window_start=window_start,
            window_end=window_end,
            lookback=window_start - LOOKBACK,
            first_day=start_date,
            end_day=start_date + timedelta(days=days),
            exclude=exclude_appointment_id,
        )  # the one query
        for kind, ref, number, text, until, start, end in rows:
            if kind == TIME_OFF:
                off_spans[ref].append((start, end))
            elif kind == APPOINTMENT:
                appointments.append((ref, number, start, end))
            elif kind == THERAPIST:
                therapists[ref] = text
                therapist_order[ref] = number
            elif kind == HOURS:
                hours[ref][number].append((time.fromisoformat(text), time.fromisoformat(until)))
            elif kind == CLOSURE:
                closures.add(date.fromisoformat(text))
            else:
                room_order[ref] = number
        # The database's order (its collation): therapists by name, rooms by name.
        therapists = {tid: therapists[tid] for tid in sorted(therapists, key=therapist_order.__getitem__)}
        busy_spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        room_spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for tid, room_id, start, end in appointments:
            if tid in therapists:
                busy_spans[tid].append((start, end))
            if room_id is not None:
                room_spans[room_id].append((start, end))

        return cls(
            now=now,
            policy=policy,
            duration=duration,
            buffer=buffer,
            therapists=therapists,
            hours=hours,
            time_off={tid: Intervals(spans) for tid, spans in off_spans.items()},
            busy={tid: Intervals(spans) for tid, spans in busy_spans.items()},
            room_busy={rid: Intervals(spans) for rid, spans in room_spans.items()},
            rooms=sorted(room_order, key=room_order.__getitem__),
            closures=closures,
            appointment_spans=busy_spans,
        )

    # -- questions ----------------------------------------------------------------------
    def working_intervals(self, therapist_id: int, day: date) -> list[tuple[datetime, datetime]]:
        """The therapist's merged working intervals on a local date, as UTC datetimes."""
        key = (therapist_id, day)
        if key not in self._intervals:
            spans = [
                rules.local_span(day, start, end, self.zone)
                for start, end in self.hours.get(therapist_id, {}).get(day.isoweekday(), ())
            ]
            merged = Intervals(spans)
            self._intervals[key] = list(zip(merged.starts, merged.ends, strict=True))
        return self._intervals[key]

    def free_room(self, start: datetime, end: datetime) -> int | None:
        """The first active room (by name) free over [start, end).

        Remembered per span: every therapist's grid asks about the same times, and rooms
        do not depend on who treats (a diary is read-only once loaded)."""
        key = (start, end)
        if key not in self._free_rooms:
            self._free_rooms[key] = next(
                (r for r in self.rooms if not self.room_busy.get(r, EMPTY).overlaps(start, end)),
                None,
            )
        return self._free_rooms[key]

    def refusal(self, therapist_id: int, start: datetime, *, room_id: int | None = None) -> str | None:
        """Why `start` cannot be booked with this therapist (an error code of
        `bookings.errors`), or None when it can.

        This is the one rule set: the slot list keeps exactly the times for which this
        returns None, and the booking service raises the error for the code it returns.
        """
        if start.tzinfo is not UTC:
            # Aware arithmetic in a local zone is wall-clock arithmetic (wrong across a
            # daylight-saving change), so work in UTC.
            start = start.astimezone(UTC)
        if therapist_id not in self.therapists:
            return "therapist_does_not_offer"
        if start < self.earliest:
            return "too_soon"
        if start > self.latest:
            return "too_far"
        day = start.astimezone(self.zone).date()
        if day in self.closures:
            return "clinic_closed"
        end = start + self.duration
        for work_start, work_end in self.working_intervals(therapist_id, day):
            if work_start <= start and end <= work_end:
                if (start - work_start) % self.step:
                    return "off_grid"
                break
        else:
            return "outside_hours"
        return self.conflict(therapist_id, start, room_id=room_id)

    def conflict(self, therapist_id: int, start: datetime, *, room_id: int | None = None) -> str | None:
        """The second half of `refusal`: what blocks [start, end + buffer) in the diary.

        `free_starts` calls this directly for grid times, which satisfy the first half
        (notice, advance, closures, hours and grid) by construction."""
        blocked_end = start + self.duration + self.buffer
        if self.time_off.get(therapist_id, EMPTY).overlaps(start, blocked_end):
            return "therapist_away"
        if self.busy.get(therapist_id, EMPTY).overlaps(start, blocked_end):
            return "slot_taken"
        if room_id is not None:
            if room_id not in self.rooms:
                return "room_unavailable"
            if self.room_busy.get(room_id, EMPTY).overlaps(start, blocked_end):
                return "slot_taken"
        elif self.rooms and self.free_room(start, blocked_end) is None:
            return "no_room"
        return None

    def candidates(self, therapist_id: int, day: date) -> Iterator[datetime]:
        """Grid start times on a day: each working interval's start plus whole steps."""
        if day in self.closures:
            return
        for work_start, work_end in self.working_intervals(therapist_id, day):
            last = work_end - self.duration
            if last < self.earliest:
                continue
            start = work_start
            if start < self.earliest:  # jump to the first grid point after the notice
                steps = -((work_start - self.earliest) // self.step)
                start = work_start + steps * self.step
            while start <= last and start <= self.latest:
                yield start
                start += self.step

    def free_starts(self, therapist_id: int, day: date) -> Iterator[datetime]:
        """The grid times of a day that `refusal` accepts (the property tests check that
        this shortcut and `refusal` agree)."""
        for start in self.candidates(therapist_id, day):
            if self.conflict(therapist_id, start) is None:
                yield start

    def load_on(self, therapist_id: int, day: date) -> int:
        """Active appointments the therapist has on a local date (for fair assignment)."""
        return sum(
            1
            for start, _ in self.appointment_spans.get(therapist_id, ())
            if start.astimezone(self.zone).date() == day
        )


def open_diary(
    option: TreatmentOption,
    start_date: date,
    days: int,
    therapist: Therapist | int | None = None,
    now: datetime | None = None,
) -> tuple[Diary, date, date] | None:
    """The diary for `option` over `days` local dates from `start_date`, clamped to the
    bookable range, with the first and last date it covers; None when nothing is bookable."""
    now = now or timezone.now()
    treatment_type = option.treatment_type
    if days < 1 or not option.active or not treatment_type.active:
        return None
    zone = clinic_zone()
    # Clamp the window to the bookable range before any date arithmetic, so absurd
    # dates (year 1 or 9999) give an empty list instead of an overflow.
    policy = BookingPolicy.current()
    first_day = max(start_date, (now + policy.min_notice).astimezone(zone).date())
    last_day = min(
        start_date + timedelta(days=days - 1) if start_date <= date.max - timedelta(days=days) else date.max,
        (now + policy.max_advance).astimezone(zone).date(),
    )
    if first_day > last_day:
        return None
    therapist_id = therapist.pk if isinstance(therapist, Therapist) else therapist
    diary = Diary.load(
        treatment_type_id=treatment_type.pk,
        duration=timedelta(minutes=option.duration_minutes),
        buffer=timedelta(minutes=treatment_type.buffer_minutes),
        start_date=first_day,
        days=(last_day - first_day).days + 1,
        therapist_id=therapist_id,
        now=now,
        policy=policy,
    )
    return diary, first_day, last_day


def _days(first_day: date, last_day: date) -> Iterator[date]:
    day = first_day
    while day <= last_day:
        yield day
        day += timedelta(days=1)


def diary_slots(diary: Diary, first_day: date, last_day: date, *, one_per_time: bool = False) -> list[Slot]:
    """The free slots of a loaded diary between two local dates, sorted by start then
    therapist name. `one_per_time`: only the first therapist (by name) free at each time,
    found without working out everyone else's."""
    zone = clinic_zone()
    slots = []
    if one_per_time:
        order = sorted(diary.therapists.items(), key=lambda item: (item[1], item[0]))
        for day in _days(first_day, last_day):
            grids = {tid: set(diary.candidates(tid, day)) for tid, _ in order}
            for start in sorted(set().union(*grids.values())):
                for tid, name in order:
                    if start in grids[tid] and diary.conflict(tid, start) is None:
                        slots.append(Slot(start.astimezone(zone), (start + diary.duration).astimezone(zone), tid, name))
                        break
    else:
        for tid, name in diary.therapists.items():
            for day in _days(first_day, last_day):
                for start in diary.free_starts(tid, day):
                    slots.append(Slot(start.astimezone(zone), (start + diary.duration).astimezone(zone), tid, name))
    # Sort on the real instant: same-zone comparisons ignore `fold`, so 01:30 before and
    # after the autumn change would otherwise compare equal.
    slots.sort(key=lambda s: (s.start.timestamp(), s.therapist_name, s.therapist_id))
    return slots


def first_day_with_space(diary: Diary, first_day: date, last_day: date) -> date | None:
    """The first local date between the two with a free slot, stopping at the first one."""
    for day in _days(first_day, last_day):
        if any(next(diary.free_starts(tid, day), None) is not None for tid in diary.therapists):
            return day
    return None


def slots_available(
    option: TreatmentOption,
    start_date: date,
    days: int,
    therapist: Therapist | int | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """Bookable start times for `option` over `days` local dates from `start_date`.

    One entry per (start, therapist), sorted by start then therapist name. Only active
    therapists who offer the (active) treatment; `therapist` narrows to one of them.
    """
    opened = open_diary(option, start_date, days, therapist, now)
    if opened is None:
        return []
    return diary_slots(*opened)


# -- cached free times -------------------------------------------------------------------
#
# Free times are computed once per diary generation (`clinic.generations.DIARY`: every
# committed change to appointments, hours, time off, closures, rooms, therapists, what they
# offer, the catalogue or the booking policy starts a new one) and kept in the cache.
#
# "Now" is not part of what is cached. A value holds every free time of whole local days,
# as if there were no minimum notice and no booking horizon, for the days from the first
# asked for (but not before today) to the last asked for (but not after today plus the
# policy's horizon in days plus two: past any horizon a moment of today can reach); today's
# local date is part of the key. Each request then keeps the times from now plus the notice
# to now plus the horizon, so a cached value never offers a time that has become too soon,
# and never lacks one the horizon has moved onto. Filtering afterwards gives exactly what
# `slots_available` gives: a grid time on a day is free or not whatever the time now, and
# the notice and horizon only cut the list by start.


@dataclass(frozen=True, slots=True)
class FreeTimes:
    """Free times over whole local days, whatever the time now (see above); compact, as it
    is pickled into and out of the cache on every request."""

    stamps: tuple[float, ...]  # start instants (POSIX seconds), ascending
    therapist_ids: tuple[int, ...]
    names: dict[int, str]
    duration: float  # seconds
    min_notice: timedelta
    max_advance: timedelta

    def bounds(self, now: datetime) -> tuple[int, int]:
        """The index range of the times bookable at `now`."""
        low = bisect.bisect_left(self.stamps, (now + self.min_notice).timestamp())
        high = bisect.bisect_right(self.stamps, (now + self.max_advance).timestamp())
        return low, high

    def slots(self, now: datetime | None) -> list[Slot]:
        """The slots bookable at `now` (every one without it)."""
        zone = clinic_zone()
        low, high = self.bounds(now) if now is not None else (0, len(self.stamps))
        fromstamp = datetime.fromtimestamp
        return [
            Slot(fromstamp(at, zone), fromstamp(at + self.duration, zone), tid, self.names[tid])
            for at, tid in zip(self.stamps[low:high], self.therapist_ids[low:high], strict=True)
        ]


NO_FREE_TIMES = FreeTimes((), (), {}, 0.0, timedelta(0), timedelta(0))


def free_times(
    option: TreatmentOption,
    start_date: date,
    days: int,
    therapist: Therapist | int | None = None,
    *,
    today: date,
    one_per_time: bool = False,
    policy: BookingPolicy | None = None,
) -> FreeTimes:
    """Every free time of `option` on the local days from `start_date` for `days` days,
    clamped to today and today's reach of the horizon (see above), whatever the time now.
    Not cached: `cached_free_times` keeps it."""
    policy = policy or BookingPolicy.current()
    treatment_type = option.treatment_type
    first_day = max(start_date, today)
    reach = policy.max_advance.days + 2
    last_day = today + timedelta(days=reach) if reach < (date.max - today).days else date.max
    if start_date <= last_day - timedelta(days=days):  # no overflow near date.max
        last_day = start_date + timedelta(days=days - 1)
    if days < 1 or first_day > last_day or not option.active or not treatment_type.active:
        return NO_FREE_TIMES
    diary = Diary.load(
        treatment_type_id=treatment_type.pk,
        duration=timedelta(minutes=option.duration_minutes),
        buffer=timedelta(minutes=treatment_type.buffer_minutes),
        start_date=first_day,
        days=(last_day - first_day).days + 1,
        therapist_id=therapist.pk if isinstance(therapist, Therapist) else therapist,
        now=None,
        policy=policy,
    )
    found = diary_slots(diary, first_day, last_day, one_per_time=one_per_time)
    return FreeTimes(
        stamps=tuple(slot.start.timestamp() for slot in found),
        therapist_ids=tuple(slot.therapist_id for slot in found),
        names=dict(diary.therapists),
        duration=diary.duration.total_seconds(),
        min_notice=policy.min_notice,
        max_advance=policy.max_advance,
    )


def cached_free_times(
    option: TreatmentOption,
    start_date: date,
    days: int,
    therapist: Therapist | int | None = None,
    *,
    now: datetime,
    one_per_time: bool = False,
) -> FreeTimes:
    """`free_times`, from the cache while the diary's generation lasts (one query for the
    generation; the diary's own on a miss). Call `.slots(now)` for what is bookable now."""
    therapist_id = therapist.pk if isinstance(therapist, Therapist) else therapist
    today = now.astimezone(clinic_zone()).date()
    parts = (
        "free-times",
        settings.TIME_ZONE,
        option.pk,
        option.duration_minutes,
        option.treatment_type_id,
        therapist_id,
        start_date,
        days,
        today,
        one_per_time,
    )
    return generations.cached(
        generations.tokens(generations.DIARY),
        parts,
        lambda: free_times(
            option, start_date, days, therapist_id, today=today, one_per_time=one_per_time
        ),
    )


class _SlotLists:
    """Every slot of a cached `FreeTimes` value, built once per value in this process, with
    where each local day's slots start and end in the list.

    The booking pages read the same few values (a month, the next two weeks) on every
    request; building their slots afresh each time (two datetimes per free time, a month
    of every therapist's times) and grouping them by day cost more than the rest of the
    page. A value never changes (a new diary generation is a new value), and
    `FreeTimes.slots(now)` is the slice of `slots(None)` that `bounds(now)` gives, so
    slicing a kept list answers the same."""

    def __init__(self, size: int = 32) -> None:
        self.kept = generations.Recent(size)

    def _kept(self, free: FreeTimes) -> tuple[list[Slot], list[tuple[date, int, int]]]:
        # Keyed on identity, with the value held so its id is not reused meanwhile.
        key = str(id(free))
        found = self.kept.get(key)
        if found is not None and found[0] is free:
            return found[1], found[2]
        every = free.slots(None)
        days: list[tuple[date, int, int]] = []
        for index, slot in enumerate(every):  # ascending starts: each day's slots together
            day = slot.start.date()
            if days and days[-1][0] == day:
                days[-1] = (day, days[-1][1], index + 1)
            else:
                days.append((day, index, index + 1))
        self.kept.set(key, (free, every, days))
        return every, days

    def bookable(self, free: FreeTimes, now: datetime) -> list[Slot]:
        every, _days = self._kept(free)
        low, high = free.bounds(now)
        return every[low:high]

    def bookable_by_day(self, free: FreeTimes, now: datetime) -> list[tuple[date, list[Slot]]]:
        """`bookable`, grouped by local date (days without space left out)."""
        every, days = self._kept(free)
        low, high = free.bounds(now)
        return [
            (day, every[max(first, low) : min(end, high)])
            for day, first, end in days
            if max(first, low) < min(end, high)
        ]


_slot_lists = _SlotLists()


def bookable_slots(
    option: TreatmentOption,
    start_date: date,
    days: int,
    therapist: Therapist | int | None = None,
    now: datetime | None = None,
    *,
    one_per_time: bool = False,
) -> list[Slot]:
    """`slots_available` (with `one_per_time` as `diary_slots` has it), from the cache,
    the slots of each cached value built once in this process."""
    now = now or timezone.now()
    free = cached_free_times(option, start_date, days, therapist, now=now, one_per_time=one_per_time)
    return _slot_lists.bookable(free, now)


def slots_by_day(free: FreeTimes, now: datetime) -> list[tuple[date, list[Slot]]]:
    """The slots of `free` (from `cached_free_times`) bookable at `now`, grouped by local
    date (days without space left out); built once per value in this process."""
    return _slot_lists.bookable_by_day(free, now)
