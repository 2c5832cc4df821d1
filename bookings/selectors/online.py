"""Reads for online booking: what to ask, free times grouped for the pages, the nearest
free times after a refusal, and a booking by its manage token."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils import timezone

from bookings import rules
from bookings.models import Appointment, BookingPolicy, OnlineBooking
from bookings.selectors.availability import (
    Diary,
    Slot,
    bookable_slots,
    cached_free_times,
    clinic_zone,
    slots_available,
    slots_by_day,
)
from clinic.models import Client, Therapist
from treatments.models import (
    AnswerValue,
    ConsentKind,
    ContraindicationVersion,
    TreatmentOption,
    TreatmentType,
)
from treatments.screening import CatalogueEntry, Verdict, asked_at_booking, screen
from treatments.selectors import answers_for_client, catalogue_current

SEARCH_DAYS = 14


@dataclass(frozen=True)
class PendingConsent:
    """A consent given on the booking form and not yet written, so `screen()` sees it."""

    kind: str
    region: str

    def is_valid_at(self, when: datetime) -> bool:
        return True


def screening_versions(
    treatment_type: TreatmentType, *, catalogue: list[ContraindicationVersion] | None = None
) -> dict[str, list[ContraindicationVersion]]:
    """The current catalogue (`catalogue_current()`, read here unless given) split for the
    health step (3 queries, none when given).

    `red_flags`: asked always; `relevant`: other items that can change what we do for this
    treatment; `all`: every active item asked at booking (answers to any of them are
    accepted and stored). Items about the day of the visit are in none of them: they are
    asked at check-in (`treatments.screening.asked_at_booking`)."""
    current = catalogue_current() if catalogue is None else catalogue
    versions = [v for v in current if asked_at_booking(v)]
    red_flags, relevant = [], []
    for version in versions:
        entry = CatalogueEntry.from_version(version)
        if version.item.is_red_flag or entry.is_red_flag:
            red_flags.append(version)
        elif entry.action_for(treatment_type.code):
            relevant.append(version)
    return {"all": versions, "red_flags": red_flags, "relevant": relevant}


def last_answers(*, client: Client, codes: Collection[str]) -> dict[str, bool] | None:
    """The client's answers on record to `codes` as yes/no (1 query), or None when any of
    them was never answered yes or no: then they answer again instead of confirming."""
    recorded = answers_for_client(client)
    if not codes or any(recorded.get(c) not in (AnswerValue.YES, AnswerValue.NO) for c in codes):
        return None
    return {c: recorded[c] == AnswerValue.YES for c in codes}


def screening_verdict(
    *,
    option: TreatmentOption,
    answers: Mapping[str, Any],
    sensitive_consents: Collection[str],
    now: datetime | None = None,
    catalogue: list[ContraindicationVersion] | None = None,
) -> Verdict:
    """Screen the answers given on the form against the current catalogue (read here
    unless given). Nothing on record about the person is used, so the outcome cannot
    reveal whether their email is known to the clinic."""
    consents = [PendingConsent(kind=ConsentKind.SENSITIVE_AREA, region=r) for r in sensitive_consents]
    # The option's treatment type is already loaded with it; only its sites are read here.
    treatment_type = option.treatment_type
    prefetch_related_objects([treatment_type], "body_sites")
    return screen(
        answers,
        treatment_type,
        consents=consents,
        clearances=(),
        now=now or timezone.now(),
        catalogue=[
            CatalogueEntry.from_version(v)
            for v in (catalogue_current() if catalogue is None else catalogue)
        ],
        on_visit_day=False,
    )


def unique_starts(slots: list[Slot]) -> list[Slot]:
    """One slot per start time (the first therapist listed), for "no preference"."""
    seen: set[float] = set()
    result = []
    for slot in slots:
        key = slot.start.timestamp()
        if key not in seen:
            seen.add(key)
            result.append(slot)
    return result


def slot_week(
    *,
    option: TreatmentOption,
    therapist: Therapist | None,
    start_date: date,
    days: int,
    now: datetime | None = None,
) -> tuple[list[tuple[date, list[Slot]]], date | None]:
    """Free times over the window grouped by local date (days without space left out; with
    no therapist chosen, one slot per time, the first therapist by name as `unique_starts`),
    and the first later date with space (as `next_day_with_space` after the window). One
    list of free times (cached per diary generation) serves both, and the search past the
    window stops at the first free time."""
    now = now or timezone.now()
    last_day = start_date + timedelta(days=days - 1)
    free = cached_free_times(
        option, start_date, days + SEARCH_DAYS, therapist, now=now, one_per_time=therapist is None
    )
    found = slots_by_day(free, now)
    shown = [(day, slots) for day, slots in found if day <= last_day]
    later = next((day for day, _slots in found if day > last_day), None)
    if later is None:
        searched_to = last_day + timedelta(days=SEARCH_DAYS)
        later = next_day_with_space(option=option, therapist=therapist, after=searched_to, now=now)
    return shown, later


def first_free_slot(
    *, option: TreatmentOption, therapist: Therapist | None, now: datetime | None = None
) -> Slot | None:
    """The earliest free time up to the booking horizon, as `slot_week` lists it (with no
    therapist chosen, the first therapist by name free then). The next `SEARCH_DAYS` first;
    further only when those are full."""
    now = now or timezone.now()
    today = now.astimezone(clinic_zone()).date()
    found = bookable_slots(option, today, SEARCH_DAYS, therapist, now, one_per_time=True)
    if found:
        return found[0]
    day = next_day_with_space(
        option=option, therapist=therapist, after=today + timedelta(days=SEARCH_DAYS - 1), now=now
    )
    found = bookable_slots(option, day, 1, therapist, now, one_per_time=True) if day else []
    return found[0] if found else None


def next_day_with_space(
    *,
    option: TreatmentOption,
    therapist: Therapist | None,
    after: date,
    now: datetime | None = None,
) -> date | None:
    """The first local date after `after` with a free time, up to the booking horizon."""
    now = now or timezone.now()
    horizon = (now + BookingPolicy.current().max_advance).astimezone(clinic_zone()).date()
    day = after + timedelta(days=1)
    while day <= horizon:
        slots = bookable_slots(option, day, SEARCH_DAYS, therapist, now, one_per_time=True)
        if slots:
            return slots[0].start.date()
        day += timedelta(days=SEARCH_DAYS)
    return None


def nearest_slots(
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist: Therapist | None,
    now: datetime | None = None,
    limit: int = 6,
) -> list[Slot]:
    """Up to `limit` free times nearest to `starts_at` (either side), nearest first."""
    now = now or timezone.now()
    day = starts_at.astimezone(clinic_zone()).date()
    slots = slots_available(
        option, day - timedelta(days=3), SEARCH_DAYS + 3, therapist=therapist, now=now
    )
    if therapist is None:
        slots = unique_starts(slots)
    target = starts_at.timestamp()
    slots.sort(key=lambda s: (abs(s.start.timestamp() - target), s.start.timestamp()))
    return slots[:limit]


def therapist_free_at(
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist: Therapist | None,
    prefer: Therapist | None = None,
    exclude_appointment: Appointment | None = None,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> Therapist | None:
    """A therapist free at `starts_at` for `option`: `therapist` itself, or when None the
    one `rules.pick_therapist` picks (`prefer` first). The appointment being moved does
    not count as busy."""
    now = now or timezone.now()
    policy = BookingPolicy.current()
    if not (now + policy.min_notice <= starts_at <= now + policy.max_advance):
        return None
    diary = Diary.load(
        treatment_type_id=option.treatment_type_id,
        duration=timedelta(minutes=duration_minutes or option.duration_minutes),
        buffer=timedelta(minutes=option.treatment_type.buffer_minutes),
        start_date=starts_at.astimezone(clinic_zone()).date(),
        days=1,
        therapist_id=therapist.pk if therapist else None,
        now=now,
        policy=policy,
        exclude_appointment_id=exclude_appointment.pk if exclude_appointment else None,
    )
    try:
        tid = rules.pick_therapist(diary, starts_at, prefer=getattr(prefer, "pk", None))
    except ValidationError:
        return None
    return therapist if therapist and therapist.pk == tid else Therapist.objects.get(pk=tid)


def online_booking_for_token(token: str) -> OnlineBooking | None:
    """The booking behind a manage link, with what its page shows (1 query)."""
    if not token or len(token) > 64 or "\x00" in token:
        return None
    return (
        OnlineBooking.objects.select_related(
            "appointment__therapist",
            "appointment__treatment_type",
            "appointment__option",
            "appointment__client",
        )
        .filter(manage_token=token)
        .first()
    )
