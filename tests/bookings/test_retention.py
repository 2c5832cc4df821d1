"""Retention and erasure: clinical records go once their retention period is over, through
the one route the signed-note guards allow, and leave tombstones; erasure removes what no
law asks the clinic to keep and says what stays until when."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from bookings.models import (
    ATTENDED_STATUSES,
    AccessLog,
    Appointment,
    NoteAddendum,
    NoteChecklistItem,
    RecordPurge,
    SessionNote,
)
from bookings.models.notes import AccessAction
from bookings.services.portal import portal_link_issue
from bookings.services.privacy import client_erase, purge_expired_records, retention_of
from clinic.models import Client
from tests.factories import screened, signed_note_with_parts
from treatments import services as treatment_services
from treatments.models import (
    Consent,
    ContraindicationAnswer,
    HealthIntake,
    HealthRecordChange,
    MedicalClearance,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(settings, tmp_path):
    settings.RECORDS_RETENTION_YEARS = 2
    settings.MEDIA_ROOT = tmp_path
    return 2


@pytest.fixture
def history(years, client_person, therapist, option_60):
    """A client with a signed note (checklist, body map, referral, addendum), a health
    record with answers and a consent, and a clearance with its document."""
    by = therapist.user
    screened(client_person, by=by)
    treatment_services.consent_give(client=client_person, kind="general", method="written", by=by)
    clearance = treatment_services.clearance_record(
        client=client_person, given_by="Dr. Okafor", given_on=date(2026, 1, 5), by=by,
        document=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 clearance"),
    )
    note = signed_note_with_parts(client_person, therapist, option_60)
    return {"client": client_person, "note": note, "clearance": clearance}


def _at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12))


def _clinical_rows(client: Client) -> dict[str, int]:
    return {
        "notes": SessionNote.objects.filter(client=client).count(),
        "checklist": NoteChecklistItem.objects.filter(note__client=client).count(),
        "addenda": NoteAddendum.objects.filter(note__client=client).count(),
        "intake": HealthIntake.objects.filter(client=client).count(),
        "answers": ContraindicationAnswer.objects.filter(intake__client=client).count(),
        "consents": Consent.objects.filter(intake__client=client).count(),
        "clearances": MedicalClearance.objects.filter(client=client).count(),
        "history": HealthRecordChange.objects.filter(client=client).count(),
    }


def test_retention_runs_from_the_last_attended_visit(history, years):
    last = Appointment.objects.filter(client=history["client"], status__in=ATTENDED_STATUSES).latest("starts_at")
    retention = retention_of(history["client"])
    assert retention.last_visit == timezone.localtime(last.starts_at).date()
    assert retention.keep_until == retention.last_visit.replace(year=retention.last_visit.year + years)


def test_records_just_inside_the_period_stay(history):
    keep_until = retention_of(history["client"]).keep_until
    before = _clinical_rows(history["client"])
    with time_machine.travel(_at_noon(keep_until), tick=False):
        assert purge_expired_records() == []
    assert _clinical_rows(history["client"]) == before
    assert all(before.values())


def test_records_just_outside_the_period_go_and_tombstones_remain(
    history, manager, django_capture_on_commit_callbacks
):
    client = history["client"]
    keep_until = retention_of(client).keep_until
    document = history["clearance"].document.path
    logs_before = AccessLog.objects.filter(client=client).count()
    with (
        time_machine.travel(_at_noon(keep_until + timedelta(days=1)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        removals = purge_expired_records(by=manager)
    assert [r.client for r in removals] == [client]
    assert not any(_clinical_rows(client).values())
    # Who the client was, their appointments and the audit trail stay.
    assert Client.objects.filter(pk=client.pk).exists()
    assert Appointment.objects.filter(client=client).exists()
    tombstones = AccessLog.objects.filter(client=client, action=AccessAction.PURGE)
    assert {t.object_type for t in tombstones} >= {
        "bookings.sessionnote", "bookings.notechecklistitem", "bookings.noteaddendum",
        "treatments.healthintake", "treatments.contraindicationanswer", "treatments.consent",
        "treatments.medicalclearance", "treatments.healthrecordchange",
    }
    assert all(t.user == manager for t in tombstones)
    assert AccessLog.objects.filter(client=client).count() == logs_before + tombstones.count()
    assert RecordPurge.objects.filter(note_id=history["note"].pk, client_id=client.pk).exists()
    assert not os.path.exists(document)


def test_a_second_run_finds_nothing(history):
    keep_until = retention_of(history["client"]).keep_until
    with time_machine.travel(_at_noon(keep_until + timedelta(days=1)), tick=False):
        assert len(purge_expired_records()) == 1
        assert purge_expired_records() == []


def test_dry_run_lists_and_changes_nothing(history):
    keep_until = retention_of(history["client"]).keep_until
    before = _clinical_rows(history["client"])
    out = StringIO()
    with time_machine.travel(_at_noon(keep_until + timedelta(days=1)), tick=False):
        call_command("purge_expired_records", "--dry-run", stdout=out)
    assert f"Would remove client #{history['client'].pk}" in out.getvalue()
    assert "bookings.sessionnote 1" in out.getvalue()
    assert _clinical_rows(history["client"]) == before
    assert not AccessLog.objects.filter(action=AccessAction.PURGE).exists()


def test_a_minor_s_records_are_kept_until_the_period_after_they_turn_18(history, years):
    client = history["client"]
    last_visit = retention_of(client).last_visit
    client.date_of_birth = last_visit.replace(year=last_visit.year - 10)  # ten at the last visit
    client.save()
    retention = retention_of(client)
    assert retention.keep_until == client.date_of_birth.replace(year=client.date_of_birth.year + 18 + years)
    with time_machine.travel(_at_noon(last_visit.replace(year=last_visit.year + years) + timedelta(days=1)), tick=False):
        assert purge_expired_records() == []


def test_erasure_within_retention_says_what_stays_and_until_when(history, manager):
    client = history["client"]
    portal_link_issue(email=client.email)
    before = _clinical_rows(client)
    removal = client_erase(client=client, by=manager)
    retention = retention_of(client)
    assert str(retention.keep_until) in removal.kept
    assert removal.counts["bookings.portaltoken"] == 1
    assert not client.portal_tokens.exists()
    assert _clinical_rows(client) == before
    client.refresh_from_db()
    assert client.first_name == "Ada"


def test_erasure_past_retention_removes_records_and_details(history, manager):
    client = history["client"]
    keep_until = retention_of(client).keep_until
    out = StringIO()
    with time_machine.travel(_at_noon(keep_until + timedelta(days=1)), tick=False):
        call_command("erase_client", client.email, "--by", "manager", stdout=out)
    assert "now read 'Erased'" in out.getvalue()
    client.refresh_from_db()
    assert (client.first_name, client.email, client.phone) == ("Erased", "", "")
    assert not any(_clinical_rows(client).values())
    assert AccessLog.objects.filter(client=client, action=AccessAction.ERASE).exists()


def test_the_database_still_refuses_any_other_delete_of_a_signed_note(history):
    from django.db import IntegrityError, connection, transaction

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bookings_sessionnote WHERE id = %s", [history["note"].pk])
