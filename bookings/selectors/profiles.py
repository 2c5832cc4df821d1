"""Public therapist profiles: who works here, what they offer, and when they are next free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from bookings.selectors.availability import Slot, bookable_slots
from clinic.models import Therapist
from treatments.models import TreatmentOption, TreatmentType

# How far ahead a profile looks for the next free time.
NEXT_FREE_DAYS = 21


def public_therapists() -> QuerySet[Therapist]:
    """Active therapists with the online-bookable treatments they offer (two queries)."""
    return (
        Therapist.objects.filter(active=True)
        .order_by("display_name", "pk")
        .prefetch_related(
            Prefetch(
                "treatment_types",
                queryset=TreatmentType.objects.bookable_online().order_by("name"),
                to_attr="public_treatments",
            )
        )
    )


@dataclass(frozen=True)
class NextFree:
    slot: Slot
    option: TreatmentOption


def next_free(therapist: Therapist, *, now: datetime | None = None) -> NextFree | None:
    """The therapist's earliest free time for any treatment they offer online (its shortest
    length), within the next three weeks; None when they have none."""
    now = now or timezone.now()
    best: NextFree | None = None
    options = (
        TreatmentOption.objects.filter(
            active=True,
            treatment_type__in=TreatmentType.objects.bookable_online().filter(therapists=therapist),
        )
        .select_related("treatment_type")
        .order_by("treatment_type__name", "duration_minutes")
    )
    shortest: dict[int, TreatmentOption] = {}
    for option in options:
        shortest.setdefault(option.treatment_type_id, option)
    today = timezone.localdate(now)
    for option in shortest.values():
        slots = bookable_slots(option, today, NEXT_FREE_DAYS, therapist, now, one_per_time=True)
        if slots and (best is None or slots[0].start < best.slot.start):
            best = NextFree(slot=slots[0], option=option)
    return best
