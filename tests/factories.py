"""Builders shared by tests (import from here, never from a test_ module)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.services import notes as note_services
from treatments import services as treatment_services
from treatments.models import AnswerValue, ContraindicationItem, ContraindicationVersion


def red_flags_no() -> dict[str, str]:
    """Every active red flag answered 'no': the visit's red-flag screen was asked."""
    return {
        code: AnswerValue.NO
        for code in ContraindicationItem.objects.filter(active=True, code__startswith="rf-")
        .values_list("code", flat=True)
    }


def today_no(appointment=None) -> dict[str, str]:
    """Every question about the day of the visit answered 'no', as asked at check-in (for
    `appointment`: the ones its treatment asks; None: all of them)."""
    if appointment is not None:
        from bookings.selectors.screening import today_questions

        return {e.code: AnswerValue.NO for e in today_questions(appointment.treatment_type.code)}
    return {
        code: AnswerValue.NO
        for code in ContraindicationVersion.objects.filter(
            current_of__active=True, asked_on_visit_day=True
        ).values_list("item__code", flat=True)
    }


def visit_asked() -> dict[str, str]:
    """A visit's checklist with everything it must ask explicitly answered 'no': the
    red-flag screen and the questions about the day."""
    return red_flags_no() | today_no()


def screened(client, *, by=None, **answers) -> None:
    """Record the client's red-flag screen (all 'no') plus `answers` (underscores for dashes)
    on their health record, so the session gate has an answered record to read."""
    intake = treatment_services.intake_get_or_create(client=client, by=by)
    treatment_services.answers_record(
        intake=intake,
        answers={**red_flags_no(), **{k.replace("_", "-"): v for k, v in answers.items()}},
        by=by,
    )


_slot = iter(range(1, 10_000))


def past_appointment(client, therapist, option, *, days_ago: int | None = None, status=AppointmentStatus.CHECKED_IN):
    """An appointment that already happened (bypassing the booking rules on purpose: the
    booking service refuses times in the past). Each call gets its own hour."""
    n = next(_slot)
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(
        days=days_ago if days_ago is not None else 1, hours=n * 2
    )
    ends = starts + timedelta(minutes=option.duration_minutes)
    return Appointment.objects.create(
        client=client, therapist=therapist, treatment_type=option.treatment_type, option=option,
        duration_minutes=option.duration_minutes, price=option.price, starts_at=starts,
        ends_at=ends, buffer_ends_at=ends, status=status, source=AppointmentSource.STAFF,
        cancelled_at=ends if status == AppointmentStatus.CANCELLED else None,
    )


def start_note(client, therapist, option, **kwargs):
    appointment = past_appointment(client, therapist, option, **kwargs)
    return note_services.note_create(appointment=appointment, by=therapist.user)


def signed_note_with_parts(client, therapist, option):
    """A signed note with a checklist, a body-map entry, a referral and an addendum."""
    from treatments.models import BodySite

    by = therapist.user
    note = start_note(client, therapist, option)
    note_services.note_save_checklist(note=note, answers=visit_asked(), by=by)
    note_services.body_map_mark_treated(note=note, sites=[BodySite.objects.first()], by=by)
    note_services.referral_add(
        note=note, referred_to="Family doctor", urgency="routine", client_told="See your GP.", by=by
    )
    note_services.note_update(note=note, by=by, complaint="Original words")
    note_services.note_sign(note=note, by=by)
    note_services.note_add_addendum(note=note, by=by, reason="Typo", text="Left, not right.")
    note.refresh_from_db()
    return note


def purge_clinical_records_for_flush() -> None:
    """Remove every session note and access-log row through the one route the
    immutability triggers allow (see bookings.models.notes.RecordPurge): authorise, then
    delete children before parents.

    Transactional tests end with a flush, which on SQLite is a plain DELETE of every table
    in no set order: the triggers would refuse it, or find the authorisation gone first."""
    from django.db import connection

    from bookings.models import AccessLog, RecordPurge, SessionNote

    rows = [
        RecordPurge(note_id=pk, client_id=client_id, reason="Test database flush")
        for pk, client_id in SessionNote.objects.values_list("pk", "client_id")
    ]
    rows += [
        RecordPurge(note_id=0, client_id=client_id, reason="Test database flush")
        for client_id in AccessLog.objects.values_list("client_id", flat=True).distinct()
        if client_id is not None
    ]
    RecordPurge.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        for table in (
            "bookings_notechecklistitem",
            "bookings_bodymapentry",
            "bookings_notereferral",
            "bookings_homecareassignment",
            "bookings_noteaddendum",
            "bookings_sessionnote",
            "bookings_accesslog",
        ):
            cursor.execute(f"DELETE FROM {table}")


# Clinical text that must never reach logs, emails, URLs or `__str__`.
SENTINEL = "ZEBRA-SENTINEL-7731"


def answer(client, by, **answers):
    """Record health answers for `client` (keyword names with "_" for "-": rf_bladder="yes")."""
    intake = treatment_services.intake_get_or_create(client=client, by=by)
    treatment_services.answers_record(
        intake=intake, answers={k.replace("_", "-"): v for k, v in answers.items()}, by=by
    )
    return intake
