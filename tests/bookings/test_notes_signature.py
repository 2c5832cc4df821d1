"""A signature that identifies: the therapist's full name, registration number and the
time, on the note page, the print and the history; the print carries the clinic's
letterhead, the client's name and date of birth, and labelled sections."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from bookings.selectors.availability import clinic_zone
from bookings.services import notes as services
from tests.conftest import make_client, make_therapist
from tests.factories import start_note, visit_asked

pytestmark = pytest.mark.django_db

SIGNATURE = "Maya Chen, registration no. CMTO-12345"


@pytest.fixture
def signed(option_60):
    maya = make_therapist("Maya Chen", registration_number="CMTO-12345")
    ada = make_client("Ada", "Lovelace", date_of_birth=date(1980, 4, 2))
    note = start_note(ada, maya, option_60)
    by = maya.user
    services.note_save_checklist(note=note, answers=visit_asked(), by=by)
    services.note_update(note=note, by=by, complaint="Ache when sitting", plan="Weekly")
    services.note_sign(note=note, by=by)
    services.note_add_addendum(note=note, by=by, reason="Side recorded wrongly", text="Right side.")
    note.refresh_from_db()
    return note


def test_the_note_page_names_the_signer_by_name_and_registration_not_username(client, signed):
    client.force_login(signed.therapist.user)
    page = client.get(f"/admin/bookings/sessionnote/{signed.pk}/change/").content.decode()
    assert f"Signed</strong> by {SIGNATURE}" in page
    assert f"{signed.signed_at.astimezone(clinic_zone()):%Y-%m-%d %H:%M}" in page
    assert f"by {signed.therapist.user.username}" not in page
    assert "Written by" in page and f"{SIGNATURE}, " in page  # the addendum's author


def test_the_print_has_letterhead_client_birth_date_sections_and_signature(client, signed):
    client.force_login(signed.therapist.user)
    page = client.get(reverse("bookings:note_print", args=[signed.public_id])).content.decode()
    for text in (
        settings.CLINIC_NAME.replace("&", "&amp;"), settings.CLINIC_ADDRESS, "Ada Lovelace",
        "Date of birth</dt><dd>1980-04-02", "S: Subjective", "O: Objective",
        "A: Assessment", "P: Plan", f"Signed by {SIGNATURE}", "Side recorded wrongly",
    ):
        assert text in page, text
    assert signed.therapist.user.username not in page
    assert "<script>" not in page and 'style="' not in page


def test_the_history_shows_the_signature_and_the_addenda_authors(client, signed):
    client.force_login(signed.therapist.user)
    page = client.get(f"/admin/bookings/sessionnote/{signed.pk}/history/").content.decode()
    assert f"Signed by {SIGNATURE}" in page
    assert f"Addendum by {SIGNATURE}" in page
