"""The scheduling rules, each decided in exactly one place.

Every entry point (public pages, API, manage link, portal, admin, services, commands, the
demo) asks this module instead of writing its own condition:

- statuses and their transitions, and which statuses a client may still change;
- when a status change may happen (the clock rules), and when a visit's day-of answers
  count for it (`visit_window`);
- late cancellation, always judged against the window recorded on the appointment when it
  was booked (the policy the client accepted), never today's policy;
- which treatment options can be booked online and by staff, and who offers what;
- a therapist's wall-clock working hours as UTC instants;
- which therapist gets a "no preference" booking.

Free time itself is decided by `bookings.selectors.availability.Diary`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from bookings import errors
from bookings.models import Appointment, AppointmentSource, AppointmentStatus, BookingPolicy
from clinic.models import Therapist
from treatments.models import TreatmentOption

if TYPE_CHECKING:
    from bookings.selectors.availability import Diary

Status = AppointmentStatus

# -- statuses -------------------------------------------------------------------------------

# An appointment in one of these statuses can still be moved or cancelled (by the client
# before it starts, by staff at any time); reminders go out for these too.
CHANGEABLE: frozenset[str] = frozenset({Status.BOOKED, Status.CONFIRMED})

# Cancelling has its own service (it records when and why); these are the other moves.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.BOOKED: frozenset({Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW}),
    Status.CONFIRMED: frozenset({Status.BOOKED, Status.CHECKED_IN, Status.NO_SHOW}),
    Status.CHECKED_IN: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}


def is_changeable(appointment: Appointment) -> bool:
    """Whether the appointment can still be moved or cancelled (by staff)."""
    return appointment.status in CHANGEABLE


def client_may_change(appointment: Appointment, *, now: datetime) -> bool:
    """Whether the client may still move or cancel it themselves (manage link, portal)."""
    return appointment.status in CHANGEABLE and appointment.starts_at > now


def can_check_in(appointment: Appointment) -> bool:
    """Whether the appointment's status lets it be checked in (the clock decides the rest)."""
    return Status.CHECKED_IN in TRANSITIONS.get(appointment.status, frozenset())


def next_statuses(status: str) -> frozenset[str]:
    """The statuses staff may choose next, cancelling included where it is allowed."""
    allowed = TRANSITIONS.get(status, frozenset())
    return allowed | {Status.CANCELLED} if status in CHANGEABLE else allowed


def _label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def visit_window(appointment: Appointment, policy: BookingPolicy) -> tuple[datetime, datetime]:
    """When answers about the day of the visit count for this appointment: from the moment
    check-in opens (never before the local day starts) to the end of that day. Answers
    given for an earlier visit of the same day are before it, so they do not count."""
    zone = clinic_zone()
    starts = appointment.starts_at.astimezone(zone)
    day_starts = datetime.combine(starts.date(), time.min, tzinfo=zone)
    day_ends = datetime.combine(starts.date() + timedelta(days=1), time.min, tzinfo=zone)
    return max(day_starts, starts - policy.check_in_opens), day_ends


def check_transition(appointment: Appointment, *, from_status: str, to_status: str, now: datetime,
                     policy: BookingPolicy) -> None:
    """Raise why `appointment` may not go from `from_status` to `to_status` now.

    The clock rules: check-in opens `policy.check_in_opens` before the start, on the
    appointment's local day only; no-show and completed only once it has started (a
    client cannot have missed, or finished, what has not begun yet).
    """
    if to_status not in TRANSITIONS.get(from_status, ()):
        raise ValidationError(
            errors.STATUS_NOT_ALLOWED.format(from_status=_label(from_status), to_status=_label(to_status)),
            code="transition",
        )
    zone = clinic_zone()
    starts = appointment.starts_at.astimezone(zone)
    if to_status == Status.CHECKED_IN:
        if now.astimezone(zone).date() != starts.date():
            raise errors.refused("check_in_other_day")
        opens = visit_window(appointment, policy)[0].astimezone(zone)
        if now < opens:
            raise ValidationError(
                errors.CHECK_IN_NOT_YET.format(opens=f"{opens:%H:%M}", starts=f"{starts:%H:%M}"),
                code="check_in_not_yet",
            )
    if to_status in (Status.NO_SHOW, Status.COMPLETED) and now < appointment.starts_at:
        raise ValidationError(
            errors.NOT_STARTED_YET.format(starts=f"{starts:%a %d %b %H:%M}"), code="not_started_yet"
        )


# -- late cancellation ----------------------------------------------------------------------


def accepted_window(policy: BookingPolicy) -> timedelta:
    """The cancellation window a booking made now accepts, in whole hours (rounded up, so
    a 90-minute window is shown and applied as 2 hours, never less than set)."""
    seconds = int(policy.cancellation_window.total_seconds())
    return timedelta(hours=-(-seconds // 3600))


def inside_window(appointment: Appointment, *, now: datetime) -> bool:
    """Whether `now` is inside the cancellation window the appointment was booked under."""
    return appointment.starts_at - now < appointment.cancellation_window


def accepted_policy_text(appointment: Appointment) -> str:
    """The cancellation policy in words for this appointment: as the client accepted it
    when they booked online, else the clinic's policy (staff booked it)."""
    booking = getattr(appointment, "online_booking", None)  # None: booked by staff
    return booking.policy_text if booking else BookingPolicy.current().cancellation_policy_text


def cancellation_is_late(appointment: Appointment, *, now: datetime) -> bool:
    """Whether a client's cancellation now is late: inside the accepted window, or after a
    change the client made inside it (the policy asks notice to cancel *or move*, so a
    late move to another day does not buy a free cancellation later)."""
    return appointment.changed_late or inside_window(appointment, now=now)


# -- what can be booked, and by whom --------------------------------------------------------


def bookable_options(*, online: bool) -> QuerySet[TreatmentOption]:
    """Options that can be booked: active options of active treatments, and for clients
    booking online only treatments marked bookable online."""
    options = TreatmentOption.objects.filter(active=True, treatment_type__active=True)
    if online:
        options = options.filter(treatment_type__bookable_online=True)
    return options.select_related("treatment_type").order_by(
        "treatment_type__sort_order", "treatment_type__name", "duration_minutes"
    )


def check_option_bookable(option: TreatmentOption, *, source: str) -> None:
    """Raise why `option` cannot be booked by `source` (online or staff)."""
    treatment_type = option.treatment_type
    if not option.active or not treatment_type.active:
        raise errors.refused("treatment_unavailable")
    if source == AppointmentSource.ONLINE and not treatment_type.bookable_online:
        raise errors.refused("not_online")


def therapists_offering(treatment_type_id: int) -> QuerySet[Therapist]:
    """Active therapists who offer the treatment."""
    return Therapist.objects.filter(active=True, treatment_types=treatment_type_id)


def policy_for(source: str, policy: BookingPolicy | None = None) -> BookingPolicy:
    """The booking windows for `source`: clients online keep the policy's notice and
    advance limits, staff book same-day walk-ins and long courses."""
    policy = policy or BookingPolicy.current()
    return policy.for_staff() if source == AppointmentSource.STAFF else policy


# -- time -----------------------------------------------------------------------------------


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_span(day: date, start: time, end: time, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """Wall-clock `start`-`end` on the local `day` as UTC instants. Built with zoneinfo
    for that date, so a 09:00-17:00 shift is 09:00-17:00 local on daylight-saving days."""
    zone = zone or clinic_zone()
    return (
        datetime.combine(day, start, tzinfo=zone).astimezone(UTC),
        datetime.combine(day, end, tzinfo=zone).astimezone(UTC),
    )


# -- "no preference" ------------------------------------------------------------------------


def therapist_kept_on_move(appointment: Appointment) -> Therapist | None:
    """The therapist a client's own move keeps: the one they chose online, or the one staff
    booked them with; None when they booked online with no preference (then any free
    therapist will do)."""
    booking = getattr(appointment, "online_booking", None)  # None: booked by staff
    if booking is not None and not booking.therapist_chosen:
        return None
    return appointment.therapist


def pick_therapist(diary: Diary, starts_at: datetime, *, room_id: int | None = None,
                   prefer: int | None = None) -> int:
    """The therapist for a no-preference booking at `starts_at`, or raise why none is free.

    `prefer` (a moved booking's therapist) keeps it when still free; otherwise the free
    therapist with the fewest appointments that day, then by name, so the choice is fair
    and repeatable."""
    day = starts_at.astimezone(diary.zone).date()
    refusals = {tid: diary.refusal(tid, starts_at, room_id=room_id) for tid in diary.therapists}
    free = [tid for tid, code in refusals.items() if code is None]
    if not free:
        reasons = {code for code in refusals.values() if code}
        raise errors.refused(reasons.pop() if len(reasons) == 1 else "no_therapist_free")
    if prefer in free:
        return prefer
    return min(free, key=lambda tid: (diary.load_on(tid, day), diary.therapists[tid], tid))
