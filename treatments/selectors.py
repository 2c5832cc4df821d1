from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from clinic.models import Client, Therapist
from treatments.models import (
    VERSION_FIELDS,
    Category,
    Consent,
    ContraindicationAnswer,
    ContraindicationVersion,
    MedicalClearance,
    TreatmentOption,
    TreatmentType,
)
from treatments.screening import CatalogueEntry, ClearanceFacts, Verdict, screen


def treatments_for_public() -> QuerySet[TreatmentType]:
    """Active, online-bookable treatment types with their active options and the active
    therapists who offer them, in three queries."""
    return TreatmentType.objects.bookable_online().prefetch_related(
        Prefetch(
            "options",
            queryset=TreatmentOption.objects.filter(active=True).order_by("duration_minutes"),
            to_attr="active_options",
        ),
        Prefetch(
            "therapists",
            queryset=Therapist.objects.filter(active=True).order_by("display_name", "pk"),
            to_attr="public_therapists",
        ),
    )


# --- Clinical safety ---------------------------------------------------------------------


def catalogue_current() -> list[ContraindicationVersion]:
    """The current version of every active catalogue item, in catalogue order (3 queries)."""
    return list(
        ContraindicationVersion.objects.filter(current_of__active=True)
        .select_related("item")
        .prefetch_related("treatment_types", "body_sites")
        .order_by("item__sort_order", "item__code")
    )


def catalogue_entries() -> list[CatalogueEntry]:
    """The current catalogue as plain values for `screen()` (3 queries)."""
    return [CatalogueEntry.from_version(v) for v in catalogue_current()]


def items_for_treatment(treatment_type: TreatmentType | str) -> list[ContraindicationVersion]:
    """Current versions that can yield a finding for this treatment type (any site)."""
    code = treatment_type if isinstance(treatment_type, str) else treatment_type.code
    return [v for v in catalogue_current() if CatalogueEntry.from_version(v).action_for(code)]


def answers_for_client(
    client: Client,
    *,
    visit: tuple[datetime, datetime] | None = None,
    red_flags_this_visit: bool = False,
) -> dict[str, str]:
    """Item code -> 'yes' / 'no' / 'not-asked' for the client's current answers (1 query).

    `visit`: when a visit is screened, its (opens, closes): an answer to an item asked on
    the day of the visit counts only when it was given then; outside it, the item is left
    out (unanswered for this visit). `red_flags_this_visit`: the same for red flags, which
    the therapist asks at every visit."""
    rows = ContraindicationAnswer.objects.filter(intake__client=client).values_list(
        "item__code",
        "answer",
        "answered_at",
        "item__current_version__asked_on_visit_day",
        "item__current_version__category",
    )
    return {
        code: answer
        for code, answer, answered_at, on_the_day, category in rows
        if not (on_the_day or (red_flags_this_visit and category == Category.RED_FLAG))
        or (visit is not None and visit[0] <= answered_at < visit[1])
    }


def consents_for_client(client: Client) -> list[Consent]:
    """Every consent the client gave, newest first, including expired and withdrawn ones."""
    return list(Consent.objects.filter(intake__client=client).order_by("-given_at"))


def clearances_for_client(client: Client) -> list[MedicalClearance]:
    return list(
        MedicalClearance.objects.filter(client=client)
        .prefetch_related("items")
        .order_by("-given_on")
    )


@dataclass(frozen=True)
class ScreeningContext:
    """Everything `screen()` needs about one client, loaded once."""

    answers: dict[str, str]
    consents: list[Consent]
    clearances: list[ClearanceFacts]
    catalogue: list[CatalogueEntry]
    now: datetime
    # Screening a visit (check-in, the note) rather than a booking: see `screen()`.
    on_visit_day: bool = False

    def screen(self, treatment_type, sites: Iterable[str] | None = None) -> Verdict:
        return screen(
            self.answers,
            treatment_type,
            sites,
            consents=self.consents,
            clearances=self.clearances,
            now=self.now,
            catalogue=self.catalogue,
            on_visit_day=self.on_visit_day,
        )


def screening_context_for(
    client: Client,
    *,
    now: datetime | None = None,
    visit: tuple[datetime, datetime] | None = None,
) -> ScreeningContext:
    """Load a client's answers, consents, clearances and the current catalogue (7 queries).

    `visit`: (opens, closes) of the visit being screened; None screens a booking, which
    neither asks nor judges the items about the day of the visit."""
    return ScreeningContext(
        answers=answers_for_client(client, visit=visit),
        consents=consents_for_client(client),
        clearances=[ClearanceFacts.from_clearance(c) for c in clearances_for_client(client)],
        catalogue=catalogue_entries(),
        now=now or timezone.now(),
        on_visit_day=visit is not None,
    )


def screen_client(
    client: Client,
    treatment_type: TreatmentType | str,
    sites: Iterable[str] | None = None,
    *,
    now: datetime | None = None,
) -> Verdict:
    """Screen a client for a treatment with everything on record."""
    return screening_context_for(client, now=now).screen(treatment_type, sites)


# --- Catalogue history ----------------------------------------------------------------------



@dataclass(frozen=True)
class VersionChange:
    field: str
    before: Any
    after: Any


def _compared(version: ContraindicationVersion) -> dict[str, Any]:
    values = {f: getattr(version, f) for f in VERSION_FIELDS}
    values["treatment_types"] = sorted(t.code for t in version.treatment_types.all())
    values["body_sites"] = sorted(s.code for s in version.body_sites.all())
    return values


def version_changes(version: ContraindicationVersion) -> list[VersionChange]:
    """What `version` changed from the version before it (empty for a first version), so
    two versions whose wording looks alike still show how they differ."""
    previous = (
        ContraindicationVersion.objects.filter(item_id=version.item_id, version__lt=version.version)
        .prefetch_related("treatment_types", "body_sites")
        .order_by("-version")
        .first()
    )
    if previous is None:
        return []
    before, after = _compared(previous), _compared(version)
    return [VersionChange(f, before[f], after[f]) for f in after if before[f] != after[f]]
