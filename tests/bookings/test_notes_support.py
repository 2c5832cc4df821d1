"""Helpers shared by the session-note tests (no tests here): past appointments, notes and
a note that screening forbids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.services import notes as services
from treatments import services as treatment_services

SENTINEL = "ZEBRA-SENTINEL-7731"
_slot = iter(range(1, 10_000))


def past_appointment(client, therapist, option, *, days_ago: int | None = None, status=AppointmentStatus.CHECKED_IN):
    """An appointment that already happened (bypassing the booking rules on purpose: the
    booking service refuses times in the past). Each call gets its own hour."""
    n = next(_slot)
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(
        days=days_ago if days_ago is not None else 1, hours=n * 2
    )
    ends = starts + timedelta(minutes=option.duration_minutes)
    return Appointment.objects.create(
        client=client, therapist=therapist, treatment_type=option.treatment_type, option=option,
        duration_minutes=option.duration_minutes, price=option.price, starts_at=starts,
        ends_at=ends, buffer_ends_at=ends, status=status, source=AppointmentSource.STAFF, cancellation_window=timedelta(hours=24),
        cancelled_at=ends if status == AppointmentStatus.CANCELLED else None,
    )


def start_note(client, therapist, option, **kwargs):
    appointment = past_appointment(client, therapist, option, **kwargs)
    return services.note_create(appointment=appointment, by=therapist.user)


def answer(client, by, **answers):
    intake = treatment_services.intake_get_or_create(client=client, by=by)
    treatment_services.answers_record(
        intake=intake, answers={k.replace("_", "-"): v for k, v in answers.items()}, by=by
    )
    return intake


@pytest.fixture
def note(client_person, therapist, option_60):
    return start_note(client_person, therapist, option_60)


@pytest.fixture
def clear_note(note, therapist):
    """A draft whose checklist is confirmed with no findings."""
    services.note_save_checklist(note=note, answers={}, by=therapist.user)
    note.refresh_from_db()
    return note
