"""No note text in logs or emails: a sentinel string in every free-text field of a note
never reaches captured log output or any sent email (home-care sheets are emailed)."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from bookings.services import notes as services
from tests.conftest import run_jobs
from tests.factories import SENTINEL
from treatments.models import HomeCareSheet

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TEXT_FIELDS = (
    "complaint", "onset", "pattern", "aggravating", "easing", "goals", "observations",
    "palpation", "range_of_motion", "techniques", "client_response", "assessment",
    "modification", "plan",
)


def test_note_text_never_appears_in_logs_or_emails(client, clear_note, therapist, caplog):
    caplog.set_level(logging.DEBUG)
    services.note_update(note=clear_note, by=therapist.user, **{f: f"{SENTINEL} {f}" for f in TEXT_FIELDS})
    sheets = list(HomeCareSheet.objects.all()[:2])
    assert sheets
    services.home_care_assign(note=clear_note, sheets=sheets, by=therapist.user)
    client.force_login(therapist.user)
    client.get(f"/admin/bookings/sessionnote/{clear_note.pk}/change/")
    services.note_sign(note=clear_note, by=therapist.user)
    client.get(f"/staff/notes/{clear_note.public_id}/print/")
    services.note_add_addendum(note=clear_note, by=therapist.user, reason=SENTINEL, text=SENTINEL)
    run_jobs()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [clear_note.client.email]
    assert sheets[0].title in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and sheets[0].title in html
    everything = message.subject + message.body + "".join(str(a) for a in message.alternatives)
    assert SENTINEL not in everything
    assert SENTINEL not in caplog.text
    assert clear_note.home_care.filter(sent_at__isnull=True).count() == 0


def test_home_care_is_sent_once_even_when_asked_twice(clear_note, therapist):
    services.home_care_assign(note=clear_note, sheets=HomeCareSheet.objects.all()[:1], by=therapist.user)
    services.home_care_send(note=clear_note, by=therapist.user)
    services.note_sign(note=clear_note, by=therapist.user)
    run_jobs()
    assert len(mail.outbox) == 1
