"""Builders shared by tests (import from here, never from a test_ module)."""

from __future__ import annotations

from treatments import services as treatment_services
from treatments.models import AnswerValue, ContraindicationItem


def red_flags_no() -> dict[str, str]:
    """Every active red flag answered 'no': the visit's red-flag screen was asked."""
    return {
        code: AnswerValue.NO
        for code in ContraindicationItem.objects.filter(active=True, code__startswith="rf-")
        .values_list("code", flat=True)
    }


def screened(client, *, by=None, **answers) -> None:
    """Record the client's red-flag screen (all 'no') plus `answers` (underscores for dashes)
    on their health record, so the session gate has an answered record to read."""
    intake = treatment_services.intake_get_or_create(client=client, by=by)
    treatment_services.answers_record(
        intake=intake,
        answers={**red_flags_no(), **{k.replace("_", "-"): v for k, v in answers.items()}},
        by=by,
    )
