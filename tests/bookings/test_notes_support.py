"""Helpers shared by the session-note tests (no tests here): past appointments, notes and
a note that screening forbids."""

from __future__ import annotations

import pytest

from bookings.services import notes as services
from tests.factories import past_appointment, start_note, visit_asked  # noqa: F401
from treatments import services as treatment_services

SENTINEL = "ZEBRA-SENTINEL-7731"


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
    """A draft whose checklist is confirmed with no findings (red flags asked: all 'no')."""
    services.note_save_checklist(note=note, answers=visit_asked(), by=therapist.user)
    note.refresh_from_db()
    return note
