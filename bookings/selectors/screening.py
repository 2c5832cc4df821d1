"""The session gate: may this appointment's session start (check-in) or be recorded as
given (signing its note as treated)?

One rule for both: screen the client's record as it stands now for the appointment's
treatment, and refuse when a needed clearance is not on record, the regional consent
the treatment needs is missing, expired or withdrawn, a red-flag question has no answer
for this visit, or the verdict forbids treatment. Check-in screens the answers on the
client's record; signing screens the answers confirmed on the note's checklist for this
visit. Both read consents and clearances as they stand at that moment, so a consent
withdrawn after the checklist was saved still stops the signature.

The refusal messages never name a condition: the front desk checks clients in and must
not learn their health information from a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import Client
from treatments.models import TreatmentType
from treatments.screening import Verdict
from treatments.selectors import screening_context_for

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
        if not self.verdict.allowed:
            out.append(ValidationError(SCREENING_FORBIDS, code="screening_refused"))
        if self.verdict.unasked_red_flags:
            out.append(ValidationError(RED_FLAGS_UNANSWERED, code="red_flags_unanswered"))
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
) -> SessionScreening:
    """Screen `client` for a treatment with the consents and clearances on record now.

    `answers`: this visit's answers (item code -> yes/no/not-asked); None screens the
    answers on the client's record."""
    context = screening_context_for(client, now=now or timezone.now())
    if answers is not None:
        context = replace(context, answers=dict(answers))
    treatment = TreatmentType.objects.prefetch_related("body_sites").get(pk=treatment_type_id)
    return SessionScreening(verdict=context.screen(treatment))


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
    )
