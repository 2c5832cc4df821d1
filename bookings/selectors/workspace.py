"""Reads for the staff workspace: the day and week schedule, "my day" and the reports.

Every function here runs a fixed number of queries whatever the number of therapists or
appointments (the pages assert it). Nothing here reads clinical tables: the schedule shows
names, treatments, statuses and flags, never health information.

Time: blocks are placed by their local wall-clock time in the clinic's zone (minutes since
local midnight), so on a daylight-saving day a 10:00 appointment sits on the 10:00 line.
Durations and overlaps are computed on aware datetimes (UTC arithmetic).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef

from bookings import rules
from bookings.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    Closure,
    TimeOff,
    WorkingHours,
)
from bookings.selectors.availability import LOOKBACK, Diary, Intervals, clinic_zone
from clinic.models import Therapist
from treatments.models import TreatmentOption

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

DAY_START_HOUR = 7
DAY_END_HOUR = 21


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic_zone())


def wall_minutes(moment: datetime) -> int:
    """Minutes since local midnight on the wall clock (what the grid shows)."""
    local = moment.astimezone(clinic_zone())
    return local.hour * 60 + local.minute


@dataclass(frozen=True, slots=True)
class Block:
    appointment_id: int
    client_name: str
    treatment: str
    status: str
    status_label: str
    starts_at: datetime  # local
    ends_at: datetime  # local
    top: int  # wall-clock minutes since midnight
    height: int
    needs_clearance: bool
    needs_consent: bool
    needs_review: bool
    late_cancellation: bool
    first_visit: bool

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class Shade:
    label: str
    starts_at: datetime
    ends_at: datetime
    top: int
    height: int


@dataclass(frozen=True, slots=True)
class FreeStart:
    starts_at: datetime  # local
    top: int


@dataclass
class Column:
    therapist_id: int
    therapist_name: str
    colour: str
    day: date
    closed: str | None = None  # closure reason ("Closed" when none given)
    hours: list[tuple[datetime, datetime]] = field(default_factory=list)  # local
    hour_spans: list[Shade] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    free: list[FreeStart] = field(default_factory=list)


@dataclass
class Schedule:
    days: list[date]
    columns: list[Column]
    start_minute: int
    end_minute: int
    # How far ahead of now the "Book" targets reach (the staff booking window).
    book_horizon: timedelta = timedelta(0)

    @property
    def hour_marks(self) -> list[tuple[int, str]]:
        return [(m, f"{m // 60:02d}:00") for m in range(self.start_minute, self.end_minute, 60)]

    @property
    def height(self) -> int:
        return self.end_minute - self.start_minute


def _span(start: datetime, end: datetime, day: date) -> tuple[int, int]:
    """Top and height in wall-clock minutes of [start, end) clipped to the local day."""
    zone = clinic_zone()
    day_start = local_midnight(day)
    day_end = local_midnight(day + timedelta(days=1))
    start = max(start, day_start)
    end = min(end, day_end)
    top = wall_minutes(start)
    bottom = 24 * 60 if end >= day_end else wall_minutes(end)
    if end.astimezone(zone).date() != day and end < day_end:  # pragma: no cover - defensive
        bottom = 24 * 60
    return top, max(bottom - top, 5)


class _SeenBefore(TypedDict):
    seen_before: bool


def _schedule(
    therapists: list[tuple[int, str, str]], days: list[date], *, now: datetime | None, diary: Diary | None
) -> Schedule:
    """Columns for each (day, therapist) pair in four queries after the therapist list."""
    zone = clinic_zone()
    ids = [t[0] for t in therapists]
    window_start = local_midnight(days[0]).astimezone(UTC)
    window_end = local_midnight(days[-1] + timedelta(days=1)).astimezone(UTC)

    hours: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    for tid, weekday, start, end in WorkingHours.objects.filter(therapist__in=ids).values_list(
        "therapist_id", "weekday", "start_time", "end_time"
    ):
        hours[tid, weekday].append((start, end))
    off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for tid, off_start, off_end in TimeOff.objects.filter(
        therapist__in=ids, starts_at__lt=window_end, ends_at__gt=window_start
    ).values_list("therapist_id", "starts_at", "ends_at"):
        off[tid].append((off_start, off_end))
    closures = dict(
        Closure.objects.filter(date__gte=days[0], date__lte=days[-1]).values_list("date", "reason")
    )
    earlier = Appointment.objects.filter(
        client=OuterRef("client"), starts_at__lt=OuterRef("starts_at")
    ).exclude(status=AppointmentStatus.CANCELLED)
    appointments = (
        Appointment.objects.filter(
            therapist__in=ids,
            # The lower bound lets the (therapist, starts_at) index skip all history: nothing
            # that starts more than LOOKBACK before the window can reach into it.
            starts_at__gt=window_start - LOOKBACK,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        )
        .select_related("client", "treatment_type")
        .annotate(seen_before=Exists(earlier))
        .order_by("starts_at")
    )
    by_key: dict[tuple[int, date], list[WithAnnotations[Appointment, _SeenBefore]]] = defaultdict(list)
    for row in appointments:
        by_key[row.therapist_id, row.starts_at.astimezone(zone).date()].append(row)

    start_minute, end_minute = DAY_START_HOUR * 60, DAY_END_HOUR * 60
    columns = []
    for day in days:
        for tid, name, colour in therapists:
            column = Column(therapist_id=tid, therapist_name=name, colour=colour, day=day)
            if day in closures:
                column.closed = closures[day] or "Closed"
                column.shades.append(
                    Shade(column.closed, local_midnight(day), local_midnight(day + timedelta(days=1)), 0, 24 * 60)
                )
            spans = [rules.local_span(day, s, e, zone) for s, e in hours.get((tid, day.isoweekday()), ())]
            merged = Intervals(spans)
            for s, e in zip(merged.starts, merged.ends, strict=True):
                column.hours.append((s.astimezone(zone), e.astimezone(zone)))
                top, height = _span(s, e, day)
                column.hour_spans.append(Shade("Working", s.astimezone(zone), e.astimezone(zone), top, height))
                start_minute = min(start_minute, top // 60 * 60)
                end_minute = max(end_minute, -(-(top + height) // 60) * 60)
            day_start, day_end = local_midnight(day), local_midnight(day + timedelta(days=1))
            for s, e in off.get(tid, ()):
                if s < day_end and e > day_start:
                    top, height = _span(s, e, day)
                    column.shades.append(Shade("Time off", s.astimezone(zone), e.astimezone(zone), top, height))
            busy = []
            for appt in by_key.get((tid, day), ()):
                top, height = _span(appt.starts_at, appt.ends_at, day)
                start_minute = min(start_minute, top // 60 * 60)
                end_minute = max(end_minute, min(24 * 60, -(-(top + height) // 60) * 60))
                column.blocks.append(
                    Block(
                        appointment_id=appt.pk,
                        client_name=appt.client.full_name,
                        treatment=appt.treatment_type.name,
                        status=appt.status,
                        status_label=appt.get_status_display(),
                        starts_at=appt.starts_at.astimezone(zone),
                        ends_at=appt.ends_at.astimezone(zone),
                        top=top,
                        height=height,
                        needs_clearance=appt.needs_clearance,
                        needs_consent=appt.needs_consent,
                        needs_review=appt.needs_review,
                        late_cancellation=appt.late_cancellation,
                        first_visit=appt.status != AppointmentStatus.CANCELLED and not appt.seen_before,
                    )
                )
                if appt.status in ACTIVE_STATUSES:
                    busy.append((appt.starts_at, appt.buffer_ends_at))
            if diary is not None and tid in diary.therapists:
                column.free = [
                    FreeStart(start.astimezone(zone), wall_minutes(start))
                    for start in diary.free_starts(tid, day)
                ]
            columns.append(column)
    return Schedule(
        days=days,
        columns=columns,
        start_minute=start_minute,
        end_minute=end_minute,
        book_horizon=diary.policy.max_advance if diary is not None else timedelta(0),
    )


def _diary(option: TreatmentOption | None, days: list[date], *, now: datetime | None) -> Diary | None:
    """The free time the schedule's "Book" targets come from: `Diary`, the booking
    service's own rules, for `option` within the staff windows, so every target books.
    Without `now`, every free time of the days, past ones too (for a cached schedule that
    leaves out what is past when it is shown)."""
    if option is None:
        return None
    return Diary.load(
        treatment_type_id=option.treatment_type_id,
        duration=timedelta(minutes=option.duration_minutes),
        buffer=timedelta(minutes=option.treatment_type.buffer_minutes),
        start_date=days[0],
        days=len(days),
        now=now,
        policy=rules.policy_for(AppointmentSource.STAFF),
    )


def schedule_for_day(day: date, *, now: datetime | None, option: TreatmentOption | None = None) -> Schedule:
    """One column per active therapist on a local date (five queries, and the `Diary`'s
    when an option is chosen: its free starts become the columns' "Book" targets; without
    `now`, the past ones too)."""
    therapists = list(
        Therapist.objects.filter(active=True)
        .order_by("display_name", "pk")
        .values_list("pk", "display_name", "calendar_colour")
    )
    if not therapists:
        return Schedule(days=[day], columns=[], start_minute=DAY_START_HOUR * 60, end_minute=DAY_END_HOUR * 60)
    return _schedule(therapists, [day], now=now, diary=_diary(option, [day], now=now))


def schedule_for_week(
    therapist: Therapist, week_start: date, *, now: datetime, option: TreatmentOption | None = None
) -> Schedule:
    """One column per day of the week starting `week_start` for one therapist (four queries,
    and the `Diary`'s when an option is chosen)."""
    days = [week_start + timedelta(days=i) for i in range(7)]
    return _schedule(
        [(therapist.pk, therapist.display_name, therapist.calendar_colour)],
        days,
        now=now,
        diary=_diary(option, days, now=now),
    )


def appointments_for_therapist_day(therapist: Therapist, day: date):
    """The therapist's appointments on a local date, for "My day" (one query)."""
    start = local_midnight(day)
    end = local_midnight(day + timedelta(days=1))
    return (
        Appointment.objects.filter(therapist=therapist, starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "treatment_type", "room")
        .order_by("starts_at")
    )


# --- Reports ------------------------------------------------------------------------------


@dataclass
class WeekRow:
    therapist_id: int
    therapist_name: str
    week: tuple[int, int]  # ISO year, ISO week
    week_start: date
    appointments: int = 0
    cancellations: int = 0
    late_cancellations: int = 0
    no_shows: int = 0
    booked_minutes: float = 0
    working_minutes: float = 0

    @property
    def label(self) -> str:
        return f"{self.week[0]}-W{self.week[1]:02d}"

    @property
    def booked_hours(self) -> float:
        return round(self.booked_minutes / 60, 2)

    @property
    def working_hours(self) -> float:
        return round(self.working_minutes / 60, 2)

    @property
    def utilisation(self) -> float | None:
        """Booked hours over working hours, 0..1 (None when the therapist had no hours)."""
        if not self.working_minutes:
            return None
        return round(self.booked_minutes / self.working_minutes, 4)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def weekly_report(first_week: date, weeks: int) -> list[WeekRow]:
    """Per active therapist per ISO week from the week holding `first_week` (five queries).

    Appointments count every appointment starting that week that was not cancelled
    (no-shows included); booked hours count those still holding their time; working hours
    are the weekly hours minus time off and closures.
    """
    zone = clinic_zone()
    start = monday_of(first_week)
    days = [start + timedelta(days=i) for i in range(7 * weeks)]
    window_start = local_midnight(start).astimezone(UTC)
    window_end = local_midnight(days[-1] + timedelta(days=1)).astimezone(UTC)
    therapists = list(
        Therapist.objects.filter(active=True).order_by("display_name", "pk").values_list("pk", "display_name")
    )
    ids = [t[0] for t in therapists]
    rows: dict[tuple[int, date], WeekRow] = {}
    for tid, name in therapists:
        for w in range(weeks):
            monday = start + timedelta(days=7 * w)
            iso = monday.isocalendar()
            rows[tid, monday] = WeekRow(tid, name, (iso[0], iso[1]), monday)

    for tid, starts_at, status, late, minutes in Appointment.objects.filter(
        therapist__in=ids, starts_at__gte=window_start, starts_at__lt=window_end
    ).values_list("therapist_id", "starts_at", "status", "late_cancellation", "duration_minutes"):
        row = rows[tid, monday_of(starts_at.astimezone(zone).date())]
        if status == AppointmentStatus.CANCELLED:
            row.cancellations += 1
            row.late_cancellations += bool(late)
            continue
        row.appointments += 1
        if status == AppointmentStatus.NO_SHOW:
            row.no_shows += 1
        else:
            row.booked_minutes += minutes

    hours: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    for tid, weekday, s, e in WorkingHours.objects.filter(therapist__in=ids).values_list(
        "therapist_id", "weekday", "start_time", "end_time"
    ):
        hours[tid, weekday].append((s, e))
    off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for tid, off_start, off_end in TimeOff.objects.filter(
        therapist__in=ids, starts_at__lt=window_end, ends_at__gt=window_start
    ).values_list("therapist_id", "starts_at", "ends_at"):
        off[tid].append((off_start, off_end))
    closed = set(Closure.objects.filter(date__gte=days[0], date__lte=days[-1]).values_list("date", flat=True))

    for tid, _name in therapists:
        away = Intervals(off.get(tid, ()))
        for day in days:
            if day in closed:
                continue
            spans = Intervals(
                rules.local_span(day, s, e, zone) for s, e in hours.get((tid, day.isoweekday()), ())
            )
            working = 0.0
            for work_start, work_end in zip(spans.starts, spans.ends, strict=True):
                working += (work_end - work_start).total_seconds() / 60
                for os_, oe in zip(away.starts, away.ends, strict=True):
                    overlap = (min(work_end, oe) - max(work_start, os_)).total_seconds()
                    if overlap > 0:
                        working -= overlap / 60
            rows[tid, monday_of(day)].working_minutes += working
    return sorted(rows.values(), key=lambda r: (r.week_start, r.therapist_name, r.therapist_id))


def upcoming_for_feed(therapist: Therapist, *, now: datetime, days: int = 180):
    """Active appointments of a therapist from a day ago to `days` ahead (one query)."""
    return (
        Appointment.objects.filter(
            therapist=therapist,
            status__in=ACTIVE_STATUSES,
            ends_at__gte=now - timedelta(days=1),
            starts_at__lt=now + timedelta(days=days),
        )
        .select_related("client", "treatment_type", "room")
        .order_by("starts_at")
    )

