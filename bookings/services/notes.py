"""Writes for session notes. Every path (admin, forms, views) calls these.

A signed note is read-only: every service that changes a note or its parts refuses a
signed one, and signing is a compare-and-swap from draft. Each write leaves one AccessLog
row. Note text is never logged and never emailed: the home-care email lists the sheets'
dose and instructions only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.emails import email_home_care
from bookings.models import (
    INACTIVE_STATUSES,
    AccessLog,
    Appointment,
    BodyMapEntry,
    HomeCareAssignment,
    NoteAddendum,
    NoteChecklistItem,
    NoteReferral,
    SessionNote,
)
from bookings.models.notes import SIGNED_NOTE_IS_READ_ONLY, AccessAction, NoteStatus, Side
from bookings.selectors.notes import relevant_entries, verdict_for_note
from bookings.selectors.screening import (
    SCREENING_FORBIDS,
    answers_for_visit,
    session_screening,
    visit_window_of,
)
from bookings.selectors.visibility import (
    notes_visible_to,
    notes_writable_by,
    sees_all_clinical,
    therapist_of,
)
from clinic.models import Client
from treatments import services as treatment_services
from treatments.models import AnswerValue, BodySite, HomeCareSheet
from treatments.screening import REFERRAL_ACTIONS, asked_on_the_day
from treatments.selectors import catalogue_entries

logger = logging.getLogger(__name__)

NOTE_EXISTS = "This appointment already has a note."
APPOINTMENT_NOT_HELD = "A note can only be written for an appointment that was not cancelled or missed."
NOT_YOUR_NOTE = "Only the treating therapist or a clinic manager can write this note."
NOT_YOUR_APPOINTMENT = "Only the appointment's therapist or a clinic manager can start its note."
NOT_A_NOTE_FIELD = "%(field)s is not a field of the session note."
ALREADY_SIGNED = SIGNED_NOTE_IS_READ_ONLY
ONLY_AUTHOR_SIGNS = "Only the therapist who gave the session can sign its note."
CHECKLIST_MISSING = "Confirm today's contraindication checklist before signing."
SIGN_TREATED_FORBIDDEN = SCREENING_FORBIDS
REFERRAL_REQUIRED = "Today's screening needs a referral: record to whom, how urgent and what the client was told."
MODIFICATION_REQUIRED = "Today's screening asks for a modification: write how treatment was modified."
ADDENDUM_ONLY_ON_SIGNED = "Addenda are for signed notes; edit the draft instead."
ADDENDUM_NOT_ALLOWED = "Only the treating therapist or a clinic manager can add an addendum."
BAD_ANSWER = "Answer yes, no or not asked."
TODAY_TOO_EARLY = (
    "The questions about how the client is today are answered on the day of the visit, "
    "from the time check-in opens: leave them as not asked until then."
)
NO_EMAIL = "The client has no email address; give the sheets on paper."
NOTHING_TO_SEND = "There are no home-care sheets to send for this session."

NOTE_FIELDS = (
    "treated", "complaint", "onset", "pattern", "below_knee", "tingling_numbness", "aggravating",
    "easing", "goals", "observations", "palpation", "range_of_motion", "techniques",
    "treatment_minutes", "client_response", "assessment", "modification", "pain_before",
    "pain_after", "plan",
)
PREFILL_FIELDS = ("complaint", "goals", "plan")


# --- Access log --------------------------------------------------------------------------


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_record(
    *,
    user,
    action: str,
    obj=None,
    client: Client | None,
    ip: str | None = None,
    now: datetime | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AccessLog:
    """One append-only row: who did what to which record, when and from where. `obj`
    names the record; a read of a list or a history names it by `object_type` and
    `object_id` instead."""
    return AccessLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        at=now or timezone.now(),
        action=action,
        object_type=object_type or obj._meta.label_lower,
        object_id=object_id if object_id is not None else str(obj.pk),
        client=client,
        ip=ip,
    )


# --- Notes -------------------------------------------------------------------------------


def _require_writer(note: SessionNote, by) -> None:
    if not notes_writable_by(by).filter(pk=note.pk).exists():
        raise ValidationError(NOT_YOUR_NOTE, code="not_yours")


def _require_draft(note: SessionNote) -> None:
    # Read the status from the database: the caller's copy may be stale.
    if SessionNote.objects.filter(pk=note.pk, status=NoteStatus.SIGNED).exists():
        raise ValidationError(ALREADY_SIGNED, code="signed")


@transaction.atomic
def note_create(
    *, appointment: Appointment, by, now: datetime | None = None, ip: str | None = None
) -> SessionNote:
    """Start the note of an appointment, prefilled from the client's last note (complaint,
    goals, plan)."""
    now = now or timezone.now()
    if appointment.status in INACTIVE_STATUSES:
        raise ValidationError(APPOINTMENT_NOT_HELD, code="not_held")
    therapist = therapist_of(by)
    if not sees_all_clinical(by) and (therapist is None or therapist.pk != appointment.therapist_id):
        raise ValidationError(NOT_YOUR_APPOINTMENT, code="not_yours")
    if SessionNote.objects.filter(appointment=appointment).exists():
        raise ValidationError(NOTE_EXISTS, code="exists")
    last = (
        SessionNote.objects.filter(client_id=appointment.client_id)
        .order_by("-appointment__starts_at")
        .only(*PREFILL_FIELDS)
        .first()
    )
    note = SessionNote(
        appointment=appointment,
        client_id=appointment.client_id,
        therapist_id=appointment.therapist_id,
        created_at=now,
        updated_at=now,
        **{f: getattr(last, f) for f in PREFILL_FIELDS} if last else {},
    )
    note.full_clean()
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError as exc:  # two clicks on "start note" at once
        raise ValidationError(NOTE_EXISTS, code="exists") from exc
    access_record(user=by, action=AccessAction.CREATE, obj=note, client=note.client, ip=ip, now=now)
    logger.info("session note %s created", note.pk)
    return note


@transaction.atomic
def note_update(
    *, note: SessionNote, by, now: datetime | None = None, ip: str | None = None, **fields: Any
) -> SessionNote:
    """Change SOAP fields of a draft note. Signed notes are refused."""
    now = now or timezone.now()
    for name in fields:
        if name not in NOTE_FIELDS:
            raise ValidationError(NOT_A_NOTE_FIELD, params={"field": name})
    _require_writer(note, by)
    SessionNote.objects.select_for_update().filter(pk=note.pk).first()
    _require_draft(note)
    for name, value in fields.items():
        setattr(note, name, value)
    note.updated_at = now
    note.full_clean()
    note.save(update_fields=[*fields, "updated_at"])
    access_record(user=by, action=AccessAction.CHANGE, obj=note, client=note.client, ip=ip, now=now)
    return note


def _answer(value: Any) -> str:
    if value is True:
        return AnswerValue.YES
    if value is False:
        return AnswerValue.NO
    if value in AnswerValue.values:
        return str(value)
    raise ValidationError(BAD_ANSWER, code="bad_answer")


@transaction.atomic
def note_save_checklist(
    *,
    note: SessionNote,
    answers: Mapping[str, Any],
    by,
    remarks: Mapping[str, str] | None = None,
    now: datetime | None = None,
    ip: str | None = None,
):
    """Store today's checklist as a snapshot (version, wording, answer, action, remark) and
    the screening verdict on the note.

    `answers`: item code -> yes/no/not-asked for today; items not given keep the client's
    intake answer, except the red flags and the questions about the day, which keep only an
    answer given for this visit (the questions about the day can be answered only from the
    moment check-in opens). An answer that differs from the intake is recorded in the intake through
    treatments.services, which keeps the history. Sites the verdict says to avoid are marked
    avoided on the body map. Returns the Verdict."""
    now = now or timezone.now()
    remarks = remarks or {}
    _require_writer(note, by)
    SessionNote.objects.select_for_update().filter(pk=note.pk).first()
    _require_draft(note)
    entries = catalogue_entries()
    treatment_code = note.appointment.treatment_type.code
    relevant = relevant_entries(treatment_code, entries)
    window = visit_window_of(note.appointment)
    intake_answers = answers_for_visit(note.appointment, window, red_flags_this_visit=True)
    today = {e.code: intake_answers.get(e.code, AnswerValue.NOT_ASKED) for e in relevant}
    on_the_day = {e.code for e in asked_on_the_day(relevant, treatment_code)}
    changed = {}
    for code, value in answers.items():
        if code not in today:
            continue
        value = _answer(value)
        if code in on_the_day and value != AnswerValue.NOT_ASKED and now < window[0]:
            raise ValidationError(TODAY_TOO_EARLY, code="today_too_early")
        if value != today[code]:
            changed[code] = value
        today[code] = value
    if changed:
        intake = treatment_services.intake_get_or_create(client=note.client, by=by, now=now)
        treatment_services.answers_record(intake=intake, answers=changed, by=by, now=now)

    verdict = verdict_for_note(note, today, now=now, entries=entries)
    findings = {f.code: f for f in verdict.findings}
    note.checklist.all().delete()
    NoteChecklistItem.objects.bulk_create(
        NoteChecklistItem(
            note=note,
            version_id=e.version_id,
            code=e.code,
            wording=e.wording,
            answer=today[e.code],
            action=findings[e.code].action if e.code in findings else str(e.action_for(treatment_code) or e.action),
            remark=(remarks.get(e.code) or "")[:240],
        )
        for e in relevant
        if e.version_id is not None  # always set on entries read from the catalogue table
    )
    note.verdict = verdict.as_snapshot()
    note.updated_at = now
    note.save(update_fields=["verdict", "updated_at"])
    avoid = verdict.sites_to_avoid
    if avoid:
        for site in BodySite.objects.filter(code__in=avoid):
            entry, _ = BodyMapEntry.objects.get_or_create(
                note=note, site=site, side=Side.BOTH, defaults={"avoided": True}
            )
            if not entry.avoided:
                entry.avoided, entry.treated = True, False
                entry.save(update_fields=["avoided", "treated"])
    access_record(user=by, action=AccessAction.CHANGE, obj=note, client=note.client, ip=ip, now=now)
    return verdict


@transaction.atomic
def body_map_save(
    *, note: SessionNote, entry: BodyMapEntry, by, ip: str | None = None
) -> BodyMapEntry:
    """Add or change one body-map entry of a draft note."""
    _require_writer(note, by)
    _require_draft(note)
    entry.note = note
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def body_map_mark_treated(
    *, note: SessionNote, sites: Iterable[BodySite], by, ip: str | None = None
) -> list[BodyMapEntry]:
    """The figure's quick path: mark sites treated (both sides) unless already on the map."""
    _require_writer(note, by)
    _require_draft(note)
    done = []
    for site in sites:
        entry = BodyMapEntry.objects.filter(note=note, site=site).first()
        if entry is None:
            entry = BodyMapEntry(note=note, site=site, side=Side.BOTH, treated=True)
            entry.full_clean()
            entry.save()
        done.append(entry)
    return done


@transaction.atomic
def referral_add(
    *,
    note: SessionNote,
    referred_to: str,
    urgency: str,
    client_told: str,
    by,
    now: datetime | None = None,
    ip: str | None = None,
) -> NoteReferral:
    _require_writer(note, by)
    _require_draft(note)
    referral = NoteReferral(
        note=note, referred_to=referred_to.strip(), urgency=urgency,
        client_told=client_told.strip(), created_by=by, created_at=now or timezone.now(),
    )
    referral.full_clean()
    referral.save()
    access_record(user=by, action=AccessAction.CHANGE, obj=note, client=note.client, ip=ip, now=now)
    return referral


def sign_refusals(note: SessionNote, *, now: datetime | None = None) -> list[ValidationError]:
    """Why this draft cannot be signed yet (empty when it can).

    Signed as treated, the note passes the same session gate as check-in, screening the
    answers confirmed on its checklist for this visit against the consents and clearances
    on record now."""
    verdict = note.verdict or {}
    if not verdict:
        return [ValidationError(CHECKLIST_MISSING, code="checklist_missing")]
    problems = []
    if note.treated:
        answers = dict(note.checklist.values_list("code", "answer"))
        problems += session_screening(note.appointment, now=now, answers=answers).refusals()
    findings = verdict.get("findings", [])
    needs_referral = verdict.get("referral") in REFERRAL_ACTIONS or any(
        f.get("refer") for f in findings
    )
    if needs_referral and not note.referrals.exists():
        problems.append(ValidationError(REFERRAL_REQUIRED, code="referral_required"))
    if note.treated and any(f.get("action") == "modify" for f in findings) and not note.modification.strip():
        problems.append(ValidationError(MODIFICATION_REQUIRED, code="modification_required"))
    return problems


def sign_problems(note: SessionNote, *, now: datetime | None = None) -> list[str]:
    """The messages of `sign_refusals`, for pages that list them."""
    return [message for e in sign_refusals(note, now=now) for message in e.messages]


@transaction.atomic
def note_sign(
    *, note: SessionNote, by, now: datetime | None = None, ip: str | None = None
) -> SessionNote:
    """Sign a draft note (compare-and-swap from draft). Refused while the verdict forbids
    treating a note marked treated, while a needed referral or modification is missing,
    and for anyone but the treating therapist. Unsent home-care sheets go out on commit."""
    now = now or timezone.now()
    fresh = SessionNote.objects.select_for_update().select_related("therapist").get(pk=note.pk)
    if fresh.is_signed:
        raise ValidationError(ALREADY_SIGNED, code="signed")
    if getattr(fresh.therapist, "user_id", None) != getattr(by, "pk", None):
        raise ValidationError(ONLY_AUTHOR_SIGNS, code="not_author")
    problems = sign_refusals(fresh, now=now)
    if problems:
        raise ValidationError(problems)
    updated = SessionNote.objects.filter(pk=note.pk, status=NoteStatus.DRAFT).update(
        status=NoteStatus.SIGNED, signed_at=now, signed_by=by, updated_at=now
    )
    if updated != 1:
        raise ValidationError(ALREADY_SIGNED, code="signed")
    note.refresh_from_db()
    access_record(user=by, action=AccessAction.SIGN, obj=note, client=note.client, ip=ip, now=now)
    if note.home_care.filter(sent_at__isnull=True).exists() and note.client.email:
        _queue_home_care(note.pk, now=now)
    logger.info("session note %s signed", note.pk)
    return note


@transaction.atomic
def note_add_addendum(
    *,
    note: SessionNote,
    by,
    reason: str,
    text: str,
    now: datetime | None = None,
    ip: str | None = None,
) -> NoteAddendum:
    """Add a correction under a signed note; the original stays as it was."""
    now = now or timezone.now()
    if not notes_writable_by(by).filter(pk=note.pk).exists():
        raise ValidationError(ADDENDUM_NOT_ALLOWED, code="not_allowed")
    if not SessionNote.objects.filter(pk=note.pk, status=NoteStatus.SIGNED).exists():
        raise ValidationError(ADDENDUM_ONLY_ON_SIGNED, code="draft")
    addendum = NoteAddendum(note=note, author=by, created_at=now, reason=reason.strip(), text=text.strip())
    addendum.full_clean()
    addendum.save()
    access_record(user=by, action=AccessAction.ADDENDUM, obj=note, client=note.client, ip=ip, now=now)
    return addendum


# --- Home care ---------------------------------------------------------------------------


@transaction.atomic
def home_care_assign(
    *, note: SessionNote, sheets: Iterable[HomeCareSheet], by, now: datetime | None = None
) -> list[HomeCareAssignment]:
    """Give home-care sheets from a draft note (sent when the note is signed)."""
    now = now or timezone.now()
    _require_writer(note, by)
    _require_draft(note)
    rows = []
    for sheet in sheets:
        row, _ = HomeCareAssignment.objects.get_or_create(
            note=note, sheet=sheet, defaults={"client_id": note.client_id, "created_at": now}
        )
        rows.append(row)
    return rows


@transaction.atomic
def home_care_send(*, note: SessionNote, by) -> int:
    """Queue the unsent sheets of a note for email now. Returns how many are queued."""
    if not notes_visible_to(by).filter(pk=note.pk).exists():
        raise ValidationError(NOT_YOUR_NOTE, code="not_yours")
    if not note.client.email:
        raise ValidationError(NO_EMAIL, code="no_email")
    count = note.home_care.filter(sent_at__isnull=True).count()
    if not count:
        raise ValidationError(NOTHING_TO_SEND, code="nothing")
    return _queue_home_care(note.pk, now=timezone.now())


def _queue_home_care(note_id: int, *, now: datetime) -> int:
    """Claim the unsent sheets with a conditional update and queue their email, in the
    caller's transaction. The email holds the sheets only: no note text, no findings."""
    rows = list(
        HomeCareAssignment.objects.filter(note_id=note_id, sent_at__isnull=True).select_related(
            "sheet", "client", "note"
        )
    )
    claimed = [
        r for r in rows
        if HomeCareAssignment.objects.filter(pk=r.pk, sent_at__isnull=True).update(sent_at=now)
    ]
    if not claimed:
        return 0
    email_home_care(
        client=claimed[0].client,
        sheets=[r.sheet for r in claimed],
        assignment_ids=[r.pk for r in claimed],
        appointment_id=claimed[0].note.appointment_id,
    )
    logger.info("home care queued for note %s (%s sheets)", note_id, len(claimed))
    return len(claimed)
