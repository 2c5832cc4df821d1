"""Outcome responses: a completed questionnaire, scored and snapshotted, saved once.

Clients answer in the portal only when the selector says the visit is due (before one of
the plan's collection visits); therapists enter answers for any session of a plan they
may write notes for. Either way the raw answers, the score and the instrument's code,
version and wording are stored together, and the row is never changed afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Appointment, OutcomeResponse, ResponseSource
from bookings.selectors.plans import due_for_appointment, plans_visible_to
from clinic.models import Client
from treatments.outcomes import get_instrument

ALREADY_ANSWERED = "This questionnaire was already answered for this visit; answers cannot be changed."
NOT_DUE = "This questionnaire is not open for this visit."
NOT_IN_PLAN = "Outcome measures are collected for sessions of a treatment plan."
NOT_A_PLAN_MEASURE = "This plan does not follow that measure."
NOT_YOUR_CLIENT = "Only the client's therapists and clinic managers enter their answers."


def outcome_submit(
    *,
    client: Client,
    appointment: Appointment,
    instrument: str,
    answers: dict[str, Any],
    source: str,
    by=None,
    now: datetime | None = None,
) -> OutcomeResponse:
    """Score and save one response for a plan session of `client`'s, or raise a
    `ValidationError` ("not_due", "already_answered", an instrument's own codes)."""
    now = now or timezone.now()
    measure = get_instrument(instrument)
    if appointment.client_id != client.pk:
        raise ValidationError(NOT_DUE, code="not_due")
    session = getattr(appointment, "plan_session", None)
    if session is None:
        raise ValidationError(NOT_IN_PLAN, code="not_in_plan")
    plan = session.plan
    if instrument not in plan.measures:
        raise ValidationError(NOT_A_PLAN_MEASURE, code="not_a_plan_measure")
    if appointment.outcome_responses.filter(instrument=instrument).exists():
        raise ValidationError(ALREADY_ANSWERED, code="already_answered")
    if source == ResponseSource.PORTAL:
        due = due_for_appointment(client=client, appointment=appointment, now=now)
        if due is None or measure not in due.instruments:
            raise ValidationError(NOT_DUE, code="not_due")
    elif not plans_visible_to(by).filter(pk=plan.pk).exists():
        raise ValidationError(NOT_YOUR_CLIENT, code="not_allowed")
    cleaned = measure.clean(answers)
    response = OutcomeResponse(
        client=client,
        plan=plan,
        appointment=appointment,
        instrument=measure.code,
        instrument_version=measure.version,
        wording=measure.snapshot(cleaned),
        answers=cleaned,
        score=measure.score(cleaned),
        source=source,
        submitted_at=now,
        entered_by=by if getattr(by, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:  # a second submit (double click, two tabs) lost the race
        raise ValidationError(ALREADY_ANSWERED, code="already_answered") from exc
    return response
