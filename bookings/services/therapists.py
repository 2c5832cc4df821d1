"""Adding a therapist: account, profile, treatments offered and weekly hours at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import time

from django.contrib.auth.models import Group, User
from django.db import transaction

from bookings.models import WorkingHours
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
