"""The booking service: the only way appointments are created, moved or change status.

Every path (public pages, API, admin, commands) calls these functions. Each runs in one
transaction, re-validates with the availability selector's own rules (`Diary.refusal`)
and the scheduling rules (`bookings.rules`), and inserts inside an inner savepoint so the
database's overlap guards (exclusion constraints on PostgreSQL, triggers on SQLite: one
therapist, one room and one client are never in two places at once) become domain errors
instead of a 500. On SQLite the IMMEDIATE transaction mode makes concurrent bookings
queue at BEGIN; on PostgreSQL the exclusion constraints decide the race.

The client hears about every move and cancellation (emails sent on commit through
`bookings.emails`, queued in the same transaction), unless staff choose not to tell them
(`notify=False`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from bookings import emails, errors, rules
from bookings.models import Appointment, AppointmentStatus, BookingPolicy
from bookings.selectors.availability import Diary, clinic_zone
from bookings.selectors.screening import (
    SessionScreening,
    screening_for,
    session_screening,
    today_questions,
)
from bookings.selectors.visibility import check_may_change
from bookings.templatetags.client_time import client_time
from clinic import generations
from clinic.models import Client, Room, Therapist
from clinic.validation import validate_row
from treatments import services as clinical
from treatments.models import AnswerValue, TreatmentOption

Status = AppointmentStatus

# Every path that checks in or moves an appointment obeys these.
TODAY_NOT_ASKED = "These are not questions asked on the day of this visit: %(codes)s."
TODAY_YES_OR_NO = "Answer each question about today with yes or no."
NOTE_SIGNED = "The session note of this appointment is signed; the appointment cannot be moved."


def _record_screening(appointment: Appointment, screening: SessionScreening) -> bool:
    """Keep the flags the schedule shows in step with the record as it stands; True when
    they changed."""
    flags = {
        "needs_clearance": screening.needs_clearance,
        "needs_consent": screening.needs_consent,
        "needs_review": screening.needs_review,
    }
    if all(getattr(appointment, name) == value for name, value in flags.items()):
        return False
    Appointment.objects.filter(pk=appointment.pk).update(**flags)
    generations.bump(generations.DIARY)  # the schedule shows the flags
    for name, value in flags.items():
        setattr(appointment, name, value)
    return True


def upcoming_screening_refresh(*, client: Client, now: datetime | None = None) -> int:
    """Screen the client's upcoming appointments (still to be checked in) again against
    the record as it stands, and record the result on each, so the schedule's flags follow
    a clearance or consent recorded or withdrawn (or answers changed) after booking.
    Returns how many appointments' flags changed."""
    now = now or timezone.now()
    upcoming = list(
        Appointment.objects.filter(client=client, status__in=rules.CHANGEABLE, ends_at__gt=now)
    )
    screenings: dict[int, SessionScreening] = {}
    changed = 0
    for appointment in upcoming:
        if appointment.treatment_type_id not in screenings:
            screenings[appointment.treatment_type_id] = screening_for(
                client=client, treatment_type_id=appointment.treatment_type_id, now=now
            )
        changed += _record_screening(appointment, screenings[appointment.treatment_type_id])
    return changed


def _check_in_gate(
    appointment: Appointment,
    *,
    now: datetime,
    today_answers: Mapping[str, Any] | None = None,
    by=None,
) -> None:
    """Check-in is the start of the session: the session gate decides, with the answers on
    the client's record (the questions about the day counted only when answered for this
    visit). `today_answers` are those answers, given at check-in: they are recorded first
    and stay recorded when the gate refuses, since they are the reason it does. The
    appointment's flags are refreshed either way, so a clearance recorded since booking
    clears the schedule's flag."""
    current = Appointment.objects.select_related("client", "treatment_type").get(pk=appointment.pk)
    if today_answers:
        today_answers_record(appointment=current, answers=today_answers, by=by, now=now)
    screening = session_screening(current, now=now)
    _record_screening(current, screening)
    screening.check()


def today_answers_record(
    *, appointment: Appointment, answers: Mapping[str, Any], by, now: datetime | None = None
) -> None:
    """Record the client's answers to the questions about the day of the visit (yes or no,
    each explicitly), for this visit: in the client's health record, whose history keeps
    every change, at the time of asking, which is what makes them count for this visit
    (`rules.visit_window`). Only this visit's questions are accepted."""
    now = now or timezone.now()
    asked = {e.code for e in today_questions(appointment.treatment_type.code)}
    unknown = sorted(set(answers) - asked)
    if unknown:
        raise ValidationError(
            TODAY_NOT_ASKED, code="today_not_asked", params={"codes": ", ".join(unknown)}
        )
    values = {}
    for code, value in answers.items():
        if value not in (True, False, AnswerValue.YES, AnswerValue.NO):
            raise ValidationError(TODAY_YES_OR_NO, code="today_yes_or_no")
        values[code] = AnswerValue.YES if value in (True, AnswerValue.YES) else AnswerValue.NO
    with transaction.atomic():
        intake = clinical.intake_get_or_create(client=appointment.client, by=by, now=now)
        clinical.answers_record(intake=intake, answers=values, by=by, now=now)


def _check_note_not_signed(appointment: Appointment) -> None:
    note = getattr(appointment, "note", None)  # None: no note started (reverse one-to-one)
    if note is not None and note.is_signed:
        raise ValidationError(NOTE_SIGNED, code="note_signed")




def _check_aware(starts_at: datetime) -> datetime:
    """The start as a UTC datetime; naive datetimes are refused, never guessed."""
    if timezone.is_naive(starts_at):
        raise errors.refused("naive")
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
        raise errors.refused("in_the_past")
    if starts_at < now + policy.min_notice:
        raise errors.refused("too_soon")
    if starts_at > now + policy.max_advance:
        raise errors.refused("too_far")
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


# PostgreSQL's SQLSTATE for a deadlock. Two transactions inserting overlapping rows at the
# same moment can each wait on the other inside the exclusion constraint's check; the
# server then aborts one of them. That one has lost the race exactly as if the constraint
# had refused it, so it gets the same answer instead of an OperationalError (a 500).
DEADLOCK_DETECTED = "40P01"
DEADLOCK_RETRIES = 3


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def _client_busy(appointment: Appointment) -> ValidationError | None:
    """The refusal naming the client's other active appointment overlapping this one (its
    time and therapist, nothing clinical), or None."""
    other = (
        Appointment.objects.active()
        .filter(
            client_id=appointment.client_id,
            starts_at__lt=appointment.ends_at,
            ends_at__gt=appointment.starts_at,
        )
        .exclude(pk=appointment.pk)
        .select_related("therapist")
        .order_by("starts_at")
        .first()
    )
    if other is None:
        return None
    return ValidationError(
        errors.CLIENT_BUSY.format(
            when=client_time(other.starts_at), therapist=other.therapist.display_name
        ),
        code="client_busy",
    )


def _save_guarded(appointment: Appointment, **save_kwargs) -> None:
    """Validate the row and save it; the database's overlap guards become domain errors:
    the client's other appointment when the client is busy then, else SLOT_TAKEN."""
    # Related rows come from the caller's reads; overlaps are the diary's and the database's.
    validate_row(appointment, trusted=["client", "therapist", "treatment_type", "option", "room"])
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                appointment.save(**save_kwargs)
            return
        except IntegrityError as exc:
            # A guard refuses only once the other row has committed, so what is in the
            # database tells which guard it was: the client's, or the therapist's/room's.
            raise _client_busy(appointment) or errors.refused("slot_taken") from exc
        except OperationalError as exc:
            if not _is_deadlock(exc):
                raise
            # Two losers waiting on each other before the winner committed: try again, to
            # wait for the winner and learn which guard refuses (and name the other visit).
            if attempt == DEADLOCK_RETRIES:
                raise _client_busy(appointment) or errors.refused("slot_taken") from exc


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

    `therapist=None` means no preference (`rules.pick_therapist`). `room=None` assigns the
    first free active room when the clinic has rooms. Staff may book treatments that are
    not bookable online, and book within the staff windows (same day, further ahead);
    grid, hours and overlaps are the same for everyone. The appointment records the
    cancellation window in force now, which later decides whether a cancellation is late.

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
        rules.check_option_bookable(option, source=source)
        policy = BookingPolicy.current()
        diary = _load_diary(
            option=option,
            starts_at=starts_at,
            therapist_id=therapist.pk if therapist else None,
            now=now,
            policy=rules.policy_for(source, policy),
        )
        room_id = room.pk if room else None
        if therapist is None:
            therapist_id = rules.pick_therapist(diary, starts_at, room_id=room_id)
        else:
            therapist_id = therapist.pk
            if code := diary.refusal(therapist_id, starts_at, room_id=room_id):
                raise errors.refused(code)
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
            cancellation_window=rules.accepted_window(policy),
            assigned_by=by,
        )
        _save_guarded(appointment)
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    therapist: Therapist | None = None,
    now: datetime | None = None,
    by_staff: bool = False,
    notify: bool = True,
    by=None,
) -> Appointment:
    """Move an active appointment to `starts_at` (and `therapist`, when given).

    `by`: the staff user moving it (None for the client); a therapist moves only their
    own appointments and never to another therapist.

    `by_staff` moves within the staff windows (no minimum notice; see
    `BookingPolicy.for_staff`); a client moving their own booking keeps the online ones,
    and a client's move inside the cancellation window marks the appointment
    `changed_late` (the policy asks notice to cancel or move).

    Keeps the booked duration and price; takes a free room again. The old time counts
    as free while checking the new one, so a small shift within the same hour works.
    The client's record is screened again for the moved visit and the flags kept in step
    (a refusal about the old day no longer flags it). The client is emailed the new time on commit unless `notify` is False.
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
        if not rules.is_changeable(current):
            raise errors.refused("not_reschedulable")
        _check_note_not_signed(current)
        therapist_id = therapist.pk if therapist else current.therapist_id
        policy = BookingPolicy.current()
        diary = _load_diary(
            option=current.option,
            starts_at=starts_at,
            therapist_id=therapist_id,
            now=now,
            policy=policy.for_staff() if by_staff else policy,
            exclude_appointment_id=current.pk,
            duration_minutes=current.duration_minutes,
        )
        if code := diary.refusal(therapist_id, starts_at):
            raise errors.refused(code)
        end = starts_at + diary.duration
        blocked_end = end + diary.buffer
        room_id = current.room_id
        if diary.rooms and diary.refusal(therapist_id, starts_at, room_id=room_id) is not None:
            room_id = diary.free_room(starts_at, blocked_end)  # the old room is busy then
        fields = ["therapist", "starts_at", "ends_at", "buffer_ends_at", "room"]
        if therapist_id != current.therapist_id:
            current.assigned_by = by
            fields.append("assigned_by")
        if not by_staff and rules.inside_window(current, now=now):
            current.changed_late = True
            fields.append("changed_late")
        if starts_at != current.starts_at and current.reminder_sent_at is not None:
            # The reminder told the old time: the new time gets its own.
            current.reminder_sent_at = None
            fields.append("reminder_sent_at")
        current.therapist_id = therapist_id
        current.starts_at = starts_at
        current.ends_at = end
        current.buffer_ends_at = blocked_end
        current.room_id = room_id
        _save_guarded(current, update_fields=fields)
        # Screened again for the new visit: what the record says before any visit, as at
        # booking; answers about the old visit's day no longer flag it.
        _record_screening(
            current,
            screening_for(client=current.client, treatment_type_id=current.treatment_type_id, now=now),
        )
        if notify:
            # Queued in this transaction, so a move that rolls back tells nobody.
            emails.email_moved(current, manage_url=emails.manage_url_for(current))
    return current


def appointment_cancel(
    *,
    appointment: Appointment,
    reason: str,
    by_client: bool = False,
    now: datetime | None = None,
    notify: bool = True,
    by=None,
) -> Appointment:
    """Cancel a booked or confirmed appointment, freeing its time (`by`: the staff user).

    `by_client`: the client asked (online, or at the desk). Then the cancellation is late
    when `rules.cancellation_is_late` says so, judged against the window recorded on the
    appointment at booking, whichever path cancels. Clients cannot cancel once the
    appointment has started. The client is emailed on commit unless `notify` is False.
    """
    now = now or timezone.now()
    check_may_change(by, appointment=appointment, therapist_id=None)
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not rules.is_changeable(current):
            raise errors.refused("not_cancellable")
        if by_client and current.starts_at <= now:
            raise errors.refused("started")
        late = by_client and rules.cancellation_is_late(current, now=now)
        updated = Appointment.objects.filter(pk=current.pk, status__in=rules.CHANGEABLE).update(
            status=Status.CANCELLED,
            cancelled_at=now,
            cancellation_reason=reason[:240],
            late_cancellation=late,
        )
        if updated != 1:
            raise errors.refused("not_cancellable")
        generations.bump(generations.DIARY)  # the time is free once this commits
        appointment.refresh_from_db()
        if notify:
            emails.email_cancelled(appointment)
    return appointment


def appointment_set_status(
    *,
    appointment: Appointment,
    from_status: str,
    to_status: str,
    now: datetime | None = None,
    by=None,
    today_answers: Mapping[str, Any] | None = None,
) -> Appointment:
    """Move an appointment from `from_status` to `to_status`, compare-and-swap (`by`: the
    staff user; a therapist only on their own appointments).

    Refused when the move is not allowed (`rules.TRANSITIONS`), when it is not yet time
    for it (`rules.check_transition`: check-in opens shortly before the start on the day,
    no-show and completed only after the start), or when someone else changed the status
    first (the row no longer has `from_status`).

    Checking in passes the session gate (`bookings.selectors.screening`); `today_answers`
    are the client's answers to the questions about the day of the visit
    (`today_questions`), asked at check-in and recorded before the gate screens them.
    """
    now = now or timezone.now()
    check_may_change(by, appointment=appointment, therapist_id=None)
    rules.check_transition(
        appointment,
        from_status=from_status,
        to_status=to_status,
        now=now,
        policy=BookingPolicy.current(),
    )
    if to_status == Status.CHECKED_IN:
        _check_in_gate(appointment, now=now, today_answers=today_answers, by=by)
    with transaction.atomic():
        # No transition leads from a status that frees the diary back to one that holds
        # it, so this update can never collide with the overlap guards.
        updated = Appointment.objects.filter(pk=appointment.pk, status=from_status).update(
            status=to_status
        )
        if updated != 1:
            raise errors.refused("stale")
        generations.bump(generations.DIARY)  # a no-show frees its time; the schedule shows all
        appointment.refresh_from_db()
    return appointment
