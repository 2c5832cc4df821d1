"""Therapists: adding one (account, profile, treatments offered and weekly hours at once),
changing or deactivating one, and resetting their calendar feed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, time

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from bookings.models import WorkingHours
from bookings.selectors.affected import affected_by_therapist_leaving
from bookings.services.schedule import Decisions, resolve_affected
from clinic.images import normalised_photo
from clinic.models import Therapist
from clinic.roles import THERAPIST
from treatments.models import TreatmentType


@transaction.atomic
def therapist_onboard(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    display_name: str,
    registration_number: str = "",
    calendar_colour: str = "#3a7bd5",
    bio: str = "",
    treatments: Iterable[TreatmentType] = (),
    weekly_hours: Iterable[tuple[int, time, time]] = (),
) -> Therapist:
    """Create the staff user (in the Therapist group), the profile, the treatments offered
    and the weekly working hours in one transaction: any invalid part saves nothing."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email, is_staff=True)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=THERAPIST))
    therapist = Therapist(
        user=user,
        display_name=display_name,
        registration_number=registration_number,
        calendar_colour=calendar_colour,
        bio=bio,
    )
    therapist.full_clean()
    therapist.save()
    for treatment in treatments:
        treatment.therapists.add(therapist)
    for weekday, start, end in weekly_hours:
        hours = WorkingHours(therapist=therapist, weekday=weekday, start_time=start, end_time=end)
        hours.full_clean()
        hours.save()
    return therapist


def therapist_reset_feed(*, therapist: Therapist) -> Therapist:
    """Give the therapist's private calendar feed a new secret; the old link stops working."""
    therapist.calendar_token = uuid.uuid4()
    Therapist.objects.filter(pk=therapist.pk).update(calendar_token=therapist.calendar_token)
    return therapist


LEAVING_REASON = "The therapist is no longer available."


@transaction.atomic
def therapist_save(
    *, therapist: Therapist, decisions: Decisions | None = None, now: datetime | None = None
) -> Therapist:
    """Save a therapist's profile. Deactivating one needs a decision for each of their
    booked appointments from now on (keep, move to a colleague or another time, cancel)."""
    now = now or timezone.now()
    affected = affected_by_therapist_leaving(therapist, now=now)  # before the save: was active?
    therapist.full_clean()
    old_photo = ""
    if therapist.photo and not therapist.photo._committed:  # type: ignore[attr-defined]  # FieldFile sets it; the stubs omit it
        # A new upload: store it small and without its EXIF block (see clinic.images).
        if therapist.pk:
            old_photo = Therapist.objects.filter(pk=therapist.pk).values_list("photo", flat=True).first() or ""
        therapist.photo = normalised_photo(therapist.photo)
    therapist.save()
    if old_photo and old_photo != therapist.photo.name:
        storage = therapist.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    resolve_affected(affected, decisions or {}, reason=LEAVING_REASON, now=now)
    return therapist


@transaction.atomic
def therapist_delete(*, therapist: Therapist) -> None:
    """Delete a therapist profile; one with appointments on record is protected by the
    database (deactivate them instead, which asks about their booked appointments)."""
    therapist.delete()
