"""The booking service: the only way appointments are created, moved or change status.

Every path (public pages, API, admin, commands) calls these functions. Each runs in one
transaction, re-validates with the availability selector's own rules (`Diary.refusal`),
and inserts inside an inner savepoint so the database's overlap guard (exclusion
constraint on PostgreSQL, trigger on SQLite) becomes the domain error `SLOT_TAKEN`
instead of a 500. On SQLite the IMMEDIATE transaction mode makes concurrent bookings
queue at BEGIN; on PostgreSQL the exclusion constraint decides the race.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from bookings import errors
from bookings.models import Appointment, AppointmentSource, AppointmentStatus, BookingPolicy
from bookings.selectors.availability import Diary, clinic_zone
from bookings.selectors.screening import SessionScreening, screening_for, session_screening
from bookings.selectors.visibility import check_may_change
from clinic.models import Client, Room, Therapist
from clinic.validation import validate_row
from treatments.models import TreatmentOption

Status = AppointmentStatus

RESCHEDULABLE = (Status.BOOKED, Status.CONFIRMED)
CANCELLABLE = (Status.BOOKED, Status.CONFIRMED)
# Cancelling has its own service (it records when and why); these are the other moves.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.BOOKED: frozenset({Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW}),
    Status.CONFIRMED: frozenset({Status.BOOKED, Status.CHECKED_IN, Status.NO_SHOW}),
    Status.CHECKED_IN: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}


NOTE_SIGNED = "The session note of this appointment is signed; the appointment cannot be moved."


def _record_screening(appointment: Appointment, screening: SessionScreening) -> None:
    """Keep the flags the schedule shows in step with the record as it stands."""
    flags = {
        "needs_clearance": screening.needs_clearance,
        "needs_consent": screening.needs_consent,
        "needs_review": screening.needs_review,
    }
    if any(getattr(appointment, name) != value for name, value in flags.items()):
        Appointment.objects.filter(pk=appointment.pk).update(**flags)
        for name, value in flags.items():
            setattr(appointment, name, value)


def _check_in_gate(appointment: Appointment, *, now: datetime) -> None:
    """Check-in is the start of the session: the session gate decides, with the answers on
    the client's record. The appointment's flags are refreshed either way, so a clearance
    recorded since booking clears the schedule's flag."""
    current = Appointment.objects.select_related("client").get(pk=appointment.pk)
    screening = session_screening(current, now=now)
    _record_screening(current, screening)
    screening.check()


def _check_note_not_signed(appointment: Appointment) -> None:
    note = getattr(appointment, "note", None)  # None: no note started (reverse one-to-one)
    if note is not None and note.is_signed:
        raise ValidationError(NOTE_SIGNED, code="note_signed")


def _after_commit(event: str, appointment_id: int) -> None:
    """Side effects of a committed change (confirmation and cancellation emails).

    Called through `transaction.on_commit`, so nothing is sent for a booking that rolled
    back. The online-booking issue fills this in; until then there is nothing to send.
    """


def _on_commit(event: str, appointment: Appointment) -> None:
    pk = appointment.pk
    transaction.on_commit(lambda: _after_commit(event, pk))


def _check_aware(starts_at: datetime) -> datetime:
    """The start as a UTC datetime; naive datetimes are refused, never guessed."""
    if timezone.is_naive(starts_at):
        raise ValidationError(errors.NAIVE_DATETIME, code="naive")
    # Adding minutes to a local-zone datetime adds wall-clock time, which is wrong across
    # a daylight-saving change: all arithmetic below is in UTC.
    return starts_at.astimezone(UTC)


def _load_diary(
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist_id: int | None,
    now: datetime,
    policy: BookingPolicy,
    exclude_appointment_id: int | None = None,
    duration_minutes: int | None = None,
) -> Diary:
    # Out-of-range times are refused before any date arithmetic (year 9999 overflows).
    if starts_at < now:
        raise ValidationError(errors.IN_THE_PAST, code="in_the_past")
    if starts_at < now + policy.min_notice:
        raise ValidationError(errors.TOO_SOON, code="too_soon")
    if starts_at > now + policy.max_advance:
        raise ValidationError(errors.TOO_FAR_AHEAD, code="too_far")
    return Diary.load(
        treatment_type_id=option.treatment_type_id,
        duration=timedelta(minutes=duration_minutes or option.duration_minutes),
        buffer=timedelta(minutes=option.treatment_type.buffer_minutes),
        start_date=starts_at.astimezone(clinic_zone()).date(),
        days=1,
        therapist_id=therapist_id,
        now=now,
        policy=policy,
        exclude_appointment_id=exclude_appointment_id,
    )


def _pick_therapist(diary: Diary, starts_at: datetime, room_id: int | None) -> int:
    """For a no-preference booking: the free therapist with the fewest appointments that
    day, then by name, so the choice is fair and repeatable."""
    day = starts_at.astimezone(diary.zone).date()
    free = [
        tid for tid in diary.therapists if diary.refusal(tid, starts_at, room_id=room_id) is None
    ]
    if not free:
        reasons = {diary.refusal(tid, starts_at, room_id=room_id) or "" for tid in diary.therapists}
        only = reasons.pop() if len(reasons) == 1 else ""
        raise ValidationError(only or errors.NO_THERAPIST_FREE, code="unavailable")
    return min(free, key=lambda tid: (diary.load_on(tid, day), diary.therapists[tid], tid))


# PostgreSQL's SQLSTATE for a deadlock. Two transactions inserting overlapping rows at the
# same moment can each wait on the other inside the exclusion constraint's check; the
# server then aborts one of them. That one has lost the race exactly as if the constraint
# had refused it, so it gets the same answer instead of an OperationalError (a 500).
DEADLOCK_DETECTED = "40P01"


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def _save_guarded(appointment: Appointment, **save_kwargs) -> None:
    """Validate the row and save it; the database's overlap guard becomes SLOT_TAKEN."""
    # Related rows come from the caller's reads; overlaps are the diary's and the database's.
    validate_row(appointment, trusted=["client", "therapist", "treatment_type", "option", "room"])
    try:
        with transaction.atomic():
            appointment.save(**save_kwargs)
    except IntegrityError as exc:
        raise ValidationError(errors.SLOT_TAKEN, code="slot_taken") from exc
    except OperationalError as exc:
        if not _is_deadlock(exc):
            raise
        raise ValidationError(errors.SLOT_TAKEN, code="slot_taken") from exc


def appointment_book(
    *,
    client: Client,
    option: TreatmentOption,
    starts_at: datetime,
    source: str,
    therapist: Therapist | None = None,
    room: Room | None = None,
    now: datetime | None = None,
    by=None,
    screening: SessionScreening | None = None,
) -> Appointment:
    """Book `option` for `client` at `starts_at`, or raise a `ValidationError` saying why.

    `by`: the staff user booking (None for the client online); a therapist books only
    with themselves.

    `therapist=None` means no preference: a free therapist who offers the treatment is
    chosen. `room=None` assigns the first free active room when the clinic has rooms.
    Staff may book treatments that are not bookable online, and book within the staff
    windows (same day, further ahead); grid, hours and overlaps are the same for everyone.

    The client's record is screened for the treatment and the result kept on the
    appointment (`needs_clearance`, `needs_consent`, `needs_review`), whoever books:
    staff may book a session that may not start yet, and the schedule shows why. An
    online booking passes the `screening` of what the person submitted instead: it enters
    the record only once confirmed.
    """
    now = now or timezone.now()
    starts_at = _check_aware(starts_at)
    check_may_change(by, appointment=None, therapist_id=therapist.pk if therapist else None)
    # Screened before the booking transaction: the answers do not depend on the diary,
    # and the diary's lock should be held for as short a time as possible.
    if screening is None:
        screening = screening_for(
            client=client, treatment_type_id=option.treatment_type_id, now=now
        )
    with transaction.atomic():
        option = TreatmentOption.objects.select_related("treatment_type").get(pk=option.pk)
        if not option.active or not option.treatment_type.active:
            raise ValidationError(errors.TREATMENT_UNAVAILABLE, code="treatment_unavailable")
        if source == AppointmentSource.ONLINE and not option.treatment_type.bookable_online:
            raise ValidationError(errors.NOT_BOOKABLE_ONLINE, code="not_online")
        policy = BookingPolicy.current()
        if source == AppointmentSource.STAFF:
            policy = policy.for_staff()
        diary = _load_diary(
            option=option,
            starts_at=starts_at,
            therapist_id=therapist.pk if therapist else None,
            now=now,
            policy=policy,
        )
        room_id = room.pk if room else None
        if therapist is None:
            therapist_id = _pick_therapist(diary, starts_at, room_id)
        else:
            therapist_id = therapist.pk
            reason = diary.refusal(therapist_id, starts_at, room_id=room_id)
            if reason:
                raise ValidationError(reason, code="unavailable")
        end = starts_at + diary.duration
        if room_id is None and diary.rooms:
            room_id = diary.free_room(starts_at, end + diary.buffer)
        appointment = Appointment(
            client=client,
            therapist_id=therapist_id,
            treatment_type=option.treatment_type,
            option=option,
            duration_minutes=option.duration_minutes,
            price=option.price,
            room_id=room_id,
            starts_at=starts_at,
            ends_at=end,
            buffer_ends_at=end + diary.buffer,
            status=Status.BOOKED,
            source=source,
            needs_clearance=screening.needs_clearance,
            needs_consent=screening.needs_consent,
            needs_review=screening.needs_review,
            assigned_by=by,
        )
        _save_guarded(appointment)
        _on_commit("booked", appointment)
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    therapist: Therapist | None = None,
    now: datetime | None = None,
    by_staff: bool = False,
    by=None,
) -> Appointment:
    """Move an active appointment to `starts_at` (and `therapist`, when given).

    `by`: the staff user moving it (None for the client); a therapist moves only their
    own appointments and never to another therapist.

    `by_staff` moves within the staff windows (no minimum notice; see
    `BookingPolicy.for_staff`); a client moving their own booking keeps the online ones.

    Keeps the booked duration and price; takes a free room again. The old time counts
    as free while checking the new one, so a small shift within the same hour works.
    """
    now = now or timezone.now()
    starts_at = _check_aware(starts_at)
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update()
            .select_related("option__treatment_type")
            .get(pk=appointment.pk)
        )
        check_may_change(by, appointment=current, therapist_id=therapist.pk if therapist else None)
        if current.status not in RESCHEDULABLE:
            raise ValidationError(errors.NOT_RESCHEDULABLE, code="not_reschedulable")
        _check_note_not_signed(current)
        therapist_id = therapist.pk if therapist else current.therapist_id
        diary = _load_diary(
            option=current.option,
            starts_at=starts_at,
            therapist_id=therapist_id,
            now=now,
            policy=BookingPolicy.current().for_staff() if by_staff else BookingPolicy.current(),
            exclude_appointment_id=current.pk,
            duration_minutes=current.duration_minutes,
        )
        reason = diary.refusal(therapist_id, starts_at)
        if reason:
            raise ValidationError(reason, code="unavailable")
        end = starts_at + diary.duration
        blocked_end = end + diary.buffer
        room_id = current.room_id
        if diary.rooms and diary.refusal(therapist_id, starts_at, room_id=room_id) is not None:
            room_id = diary.free_room(starts_at, blocked_end)  # the old room is busy then
        fields = ["therapist", "starts_at", "ends_at", "buffer_ends_at", "room"]
        if therapist_id != current.therapist_id:
            current.assigned_by = by
            fields.append("assigned_by")
        current.therapist_id = therapist_id
        current.starts_at = starts_at
        current.ends_at = end
        current.buffer_ends_at = blocked_end
        current.room_id = room_id
        _save_guarded(current, update_fields=fields)
        _on_commit("rescheduled", current)
    return current


def appointment_cancel(
    *,
    appointment: Appointment,
    reason: str,
    by_client: bool = False,
    now: datetime | None = None,
    by=None,
) -> Appointment:
    """Cancel a booked or confirmed appointment, freeing its time (`by`: the staff user).

    A client cancelling inside the policy's cancellation window is marked as a late
    cancellation. Clients cannot cancel once the appointment has started.
    """
    now = now or timezone.now()
    check_may_change(by, appointment=appointment, therapist_id=None)
    with transaction.atomic():
        if by_client and appointment.starts_at <= now:
            raise ValidationError(errors.ALREADY_STARTED, code="started")
        late = by_client and appointment.starts_at - now < BookingPolicy.current().cancellation_window
        updated = Appointment.objects.filter(pk=appointment.pk, status__in=CANCELLABLE).update(
            status=Status.CANCELLED,
            cancelled_at=now,
            cancellation_reason=reason[:240],
            late_cancellation=late,
        )
        if updated != 1:
            raise ValidationError(errors.NOT_CANCELLABLE, code="not_cancellable")
        appointment.refresh_from_db()
        _on_commit("cancelled", appointment)
    return appointment


def appointment_set_status(
    *, appointment: Appointment, from_status: str, to_status: str, by=None
) -> Appointment:
    """Move an appointment from `from_status` to `to_status`, compare-and-swap (`by`: the
    staff user; a therapist only on their own appointments).

    Refused when the move is not allowed, or when someone else changed the status first
    (the row no longer has `from_status`).
    """
    check_may_change(by, appointment=appointment, therapist_id=None)
    if to_status not in TRANSITIONS.get(from_status, ()):
        raise ValidationError(
            errors.STATUS_NOT_ALLOWED.format(
                from_status=Status(from_status).label if from_status in Status.values else from_status,
                to_status=Status(to_status).label if to_status in Status.values else to_status,
            ),
            code="transition",
        )
    if to_status == Status.CHECKED_IN:
        _check_in_gate(appointment, now=timezone.now())
    with transaction.atomic():
        # No transition leads from a status that frees the diary back to one that holds
        # it, so this update can never collide with the overlap guards.
        updated = Appointment.objects.filter(pk=appointment.pk, status=from_status).update(
            status=to_status
        )
        if updated != 1:
            raise ValidationError(errors.STATUS_CHANGED, code="stale")
        appointment.refresh_from_db()
        _on_commit(f"status:{to_status}", appointment)
    return appointment
