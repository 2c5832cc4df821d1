"""Demo diary for `seed_demo`: working hours and two weeks of appointments.

Every appointment is booked through the booking service, so the demo obeys the same rules
as real use (and sends no email: staff bookings send none). A client is never given two
appointments at one time: each start picks a client not already booked then. The plan is a pure function of therapist, date and a fixed seed, and times
already in the diary are skipped, so running it again changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from bookings.models import Appointment, AppointmentSource, AppointmentStatus, WorkingHours
from bookings.selectors.availability import clinic_zone
from bookings.services.appointments import appointment_book, appointment_set_status
from clinic import generations
from clinic.models import Client, Therapist
from treatments.models import TreatmentOption

# Monday to Friday 09:00-18:00 and Saturday 10:00-16:00, each with a lunch break.
WEEKDAY_HOURS = [(time(9), time(12, 30)), (time(13, 30), time(18))]
SATURDAY_HOURS = [(time(10), time(13)), (time(13, 30), time(16))]
# Start times 90 minutes apart: a 60-minute treatment plus its buffer always fits.
WEEKDAY_STARTS = [time(9), time(10, 30), time(13, 30), time(15), time(16, 30)]
SATURDAY_STARTS = [time(10), time(11, 30), time(13, 30)]
FILL = 0.55  # share of those start times that are booked, leaving free slots to show
DAYS_AHEAD = 14


def _ensure_hours(therapist: Therapist) -> None:
    if WorkingHours.objects.filter(therapist=therapist).exists():
        return  # never add to hours a manager has already set
    rows = [
        WorkingHours(therapist=therapist, weekday=weekday, start_time=start, end_time=end)
        for weekday in range(1, 7)
        for start, end in (SATURDAY_HOURS if weekday == 6 else WEEKDAY_HOURS)
    ]
    WorkingHours.objects.bulk_create(rows)
    generations.bump(generations.DIARY)  # bulk_create sends no post_save


def seed_diary(
    *, therapists: Sequence[Therapist], clients: Sequence[Client], now: datetime
) -> int:
    """Give each therapist hours (Mon-Sat, lunch break) and book the next two weeks.

    Returns how many appointments were booked by this call (0 on a second run).
    """
    if not therapists or not clients:
        return 0
    zone = clinic_zone()
    today = now.astimezone(zone).date()
    booked = 0
    with transaction.atomic():
        for therapist in therapists:
            _ensure_hours(therapist)
        options_by_therapist = {
            t.pk: list(
                TreatmentOption.objects.filter(
                    active=True,
                    duration_minutes__lte=60,
                    treatment_type__active=True,
                    treatment_type__therapists=t,
                ).order_by("treatment_type__sort_order", "duration_minutes")
            )
            for t in therapists
        }
        existing = Appointment.objects.active().filter(
            starts_at__gte=now, starts_at__lt=now + timedelta(days=DAYS_AHEAD + 2)
        )
        taken = set(existing.values_list("therapist_id", "starts_at"))
        # Demo starts are 90 minutes apart and treatments last at most 60, so two demo
        # appointments overlap exactly when they start together.
        client_busy = set(existing.values_list("client_id", "starts_at"))
        for offset in range(1, DAYS_AHEAD + 1):
            day = today + timedelta(days=offset)
            if day.isoweekday() == 7:
                continue
            starts = SATURDAY_STARTS if day.isoweekday() == 6 else WEEKDAY_STARTS
            for therapist in therapists:
                options = options_by_therapist[therapist.pk]
                if not options:
                    continue
                # A seed per therapist and date: the same plan on every run.
                rng = random.Random(f"demo-diary|{therapist.display_name}|{day.isoformat()}")
                for start_time in starts:
                    pick, option, first = rng.random(), rng.choice(options), rng.randrange(len(clients))
                    starts_at = datetime.combine(day, start_time, tzinfo=zone)
                    if pick > FILL or (therapist.pk, starts_at) in taken:
                        continue
                    client = next(
                        (
                            c
                            for c in clients[first:] + clients[:first]
                            if (c.pk, starts_at) not in client_busy
                        ),
                        None,
                    )
                    if client is None:
                        continue  # every demo client is busy then
                    try:
                        appointment = appointment_book(
                            client=client,
                            option=option,
                            starts_at=starts_at,
                            therapist=therapist,
                            source=AppointmentSource.STAFF,
                            now=now,
                        )
                    except ValidationError:
                        continue  # inside the notice window, a closure, time off...
                    booked += 1
                    client_busy.add((client.pk, appointment.starts_at))
                    if offset <= 2:  # the next two days are mostly confirmed
                        appointment_set_status(
                            appointment=appointment,
                            from_status=AppointmentStatus.BOOKED,
                            to_status=AppointmentStatus.CONFIRMED,
                        )
    return booked
