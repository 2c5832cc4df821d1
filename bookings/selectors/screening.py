"""The session gate: may this appointment's session start (check-in) or be recorded as
given (signing its note as treated)?

One rule for both: screen the client's record as it stands now for the appointment's
treatment, and refuse when a needed clearance is not on record, the regional consent
the treatment needs is missing, expired or withdrawn, a red-flag question has no answer
for this visit, a question about the day of the visit (fever, alcohol, painkillers taken)
has no answer given for this visit, or the verdict forbids treatment. Check-in screens the
answers on the client's record, the day-of ones only when given for this visit (see
`bookings.rules.visit_window`); signing screens the answers confirmed on the note's
checklist for this visit. Both read consents and clearances as they stand at that moment,
so a consent withdrawn after the checklist was saved still stops the signature.

A booking is screened too (`screening_for` without a visit), for the schedule's flags: it
neither asks nor judges the day-of questions.

The refusal messages never name a condition: the front desk checks clients in and must
not learn their health information from a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import rules
from bookings.models import Appointment, BookingPolicy
from clinic.models import Client
from treatments.models import TreatmentType
from treatments.screening import CatalogueEntry, Verdict, asked_on_the_day
from treatments.selectors import answers_for_client, catalogue_entries, screening_context_for

CLEARANCE_MISSING = (
    "This session needs a written medical clearance that is not on record: record a valid "
    "clearance before the session starts."
)
CONSENT_MISSING = (
    "This treatment needs the client's written consent for the region it works on, and "
    "none is in force (missing, expired or withdrawn): record the consent before the "
    "session starts."
)
RED_FLAGS_UNANSWERED = (
    "The red-flag questions have not all been answered for this visit: ask them before "
    "the session starts."
)
TODAY_UNANSWERED = (
    "The questions about how the client is today have not been answered for this visit: "
    "ask them at check-in before the session starts."
)
NOT_TODAY = (
    "The client's answers for today mean no treatment today: the session cannot start. "
    "Offer to move the appointment to another day."
)
SCREENING_FORBIDS = (
    "Screening forbids treatment today: the session cannot start and its note cannot be "
    "signed as treated. Untick 'treated' and record the referral."
)


@dataclass(frozen=True)
class SessionScreening:
    """What screening says about one appointment's session, as the appointment records it."""

    verdict: Verdict

    @property
    def needs_clearance(self) -> bool:
        return self.verdict.needs_clearance

    @property
    def needs_consent(self) -> bool:
        return self.verdict.needs_consent

    @property
    def needs_review(self) -> bool:
        """Red flags unanswered or treatment refused: a clinician must see the record."""
        return bool(self.verdict.unasked_red_flags) or not self.verdict.allowed

    def refusals(self) -> list[ValidationError]:
        """Every reason the session may not start, most serious first; empty when it may."""
        out = []
        if self.verdict.not_today_only:
            out.append(ValidationError(NOT_TODAY, code="not_today"))
        elif not self.verdict.allowed:
            out.append(ValidationError(SCREENING_FORBIDS, code="screening_refused"))
        if self.verdict.unasked_red_flags:
            out.append(ValidationError(RED_FLAGS_UNANSWERED, code="red_flags_unanswered"))
        if self.verdict.unasked_today:
            out.append(ValidationError(TODAY_UNANSWERED, code="today_unanswered"))
        if self.verdict.needs_clearance:
            out.append(ValidationError(CLEARANCE_MISSING, code="needs_clearance"))
        if self.verdict.needs_consent:
            out.append(ValidationError(CONSENT_MISSING, code="needs_consent"))
        return out

    def check(self) -> None:
        """The session gate: raise a `ValidationError` listing every reason the session
        may not start (check-in) or may not be signed as treated."""
        refusals = self.refusals()
        if len(refusals) == 1:
            raise refusals[0]  # keeps `.code` on the error itself
        if refusals:
            raise ValidationError(refusals)


def screening_for(
    *,
    client: Client,
    treatment_type_id: int,
    now: datetime | None = None,
    answers: Mapping[str, str] | None = None,
    visit: tuple[datetime, datetime] | None = None,
) -> SessionScreening:
    """Screen `client` for a treatment with the consents and clearances on record now.

    `visit`: (opens, closes) of the visit screened; None screens a booking.
    `answers`: this visit's answers (item code -> yes/no/not-asked); None screens the
    answers on the client's record."""
    context = screening_context_for(client, now=now or timezone.now(), visit=visit)
    if answers is not None:
        context = replace(context, answers=dict(answers))
    treatment = TreatmentType.objects.prefetch_related("body_sites").get(pk=treatment_type_id)
    return SessionScreening(verdict=context.screen(treatment))


def visit_window_of(appointment: Appointment) -> tuple[datetime, datetime]:
    """When answers about the day count for this appointment's visit (`rules.visit_window`
    under the policy in force)."""
    return rules.visit_window(appointment, BookingPolicy.current())


def answers_for_visit(
    appointment: Appointment,
    window: tuple[datetime, datetime] | None = None,
    *,
    red_flags_this_visit: bool = False,
) -> dict[str, str]:
    """The client's answers on record as they count for this visit: the questions about
    the day only when answered for it, and with `red_flags_this_visit` (the note's
    checklist, where the therapist asks them at every visit) the red flags too (1 query,
    plus the policy unless `window` is given)."""
    return answers_for_client(
        appointment.client,
        visit=window or visit_window_of(appointment),
        red_flags_this_visit=red_flags_this_visit,
    )


def session_screening(
    appointment: Appointment,
    *,
    now: datetime | None = None,
    answers: Mapping[str, str] | None = None,
) -> SessionScreening:
    """Screen `appointment`'s session; its `check()` is the gate of check-in and of signing
    the note as treated."""
    return screening_for(
        client=appointment.client,
        treatment_type_id=appointment.treatment_type_id,
        now=now,
        answers=answers,
        visit=visit_window_of(appointment),
    )


def today_questions(
    treatment_code: str, entries: list[CatalogueEntry] | None = None
) -> list[CatalogueEntry]:
    """The questions about the day of the visit that a session of this treatment asks at
    check-in, in catalogue order."""
    return asked_on_the_day(entries if entries is not None else catalogue_entries(), treatment_code)
