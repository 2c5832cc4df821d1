"""Right of access: a person's complete copy, and clearance documents behind the visibility
rule. Every export and download is logged."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from bookings.models import AccessLog
from bookings.models.notes import AccessAction
from bookings.portal_session import PORTAL_SESSION_KEY
from bookings.services import notes as note_services
from bookings.services.privacy import collect, exported_relations
from clinic.models import Client
from tests.factories import screened, start_note, visit_asked
from treatments import services as treatment_services
from treatments.models import HomeCareSheet

pytestmark = pytest.mark.django_db

SENTINEL = "KUMQUAT-SENTINEL-4412"


@pytest.fixture
def record(client_person, therapist, option_60, settings, tmp_path):
    """A client with something in every kind of record: intake and answers, a consent, a
    clearance with a document, a signed note with an addendum and home care."""
    settings.MEDIA_ROOT = tmp_path
    by = therapist.user
    intake = treatment_services.intake_get_or_create(client=client_person, by=by)
    treatment_services.answers_record(intake=intake, answers={"ci-steroids": True}, by=by)
    treatment_services.consent_give(client=client_person, kind="general", method="written", by=by)
    clearance = treatment_services.clearance_record(
        client=client_person, given_by="Dr. Okafor", given_on=date(2026, 11, 1), by=by,
        scope_notes="Light pressure only", document=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 " + SENTINEL.encode()),
    )
    screened(client_person, by=by)
    note = start_note(client_person, therapist, option_60)
    note_services.note_save_checklist(note=note, answers=visit_asked(), by=by)
    note_services.note_update(note=note, by=by, complaint=f"Sciatica eased {SENTINEL}")
    note_services.home_care_assign(note=note, sheets=HomeCareSheet.objects.all()[:1], by=by)
    note_services.note_sign(note=note, by=by)
    note_services.note_add_addendum(note=note, by=by, reason="Correction", text="Left side, not right.")
    return {"client": client_person, "clearance": clearance, "note": note}


def _holds_person_data() -> set[str]:
    """Every model of our apps with a chain of foreign keys to Client (computed forwards,
    independently of the exporter's own walk)."""
    ours = [m for m in apps.get_models() if m._meta.app_label in ("clinic", "treatments", "bookings")]
    found = {Client}
    changed = True
    while changed:
        changed = False
        for model in ours:
            if model in found:
                continue
            for f in model._meta.concrete_fields:
                if isinstance(f, (models.ForeignKey, models.OneToOneField)) and f.related_model in found:
                    found.add(model)
                    changed = True
                    break
    return {m._meta.label_lower for m in found}


def test_every_model_that_holds_a_persons_data_is_exported(record):
    exported = {m._meta.label_lower for m, _, _ in exported_relations()} | {"clinic.client"}
    missing = _holds_person_data() - exported
    assert not missing, f"Models with a person's data that the export leaves out: {sorted(missing)}"
    sections = collect(record["client"]).sections
    assert set(sections) >= _holds_person_data()


def test_the_zip_holds_json_html_and_documents_without_secrets(record, manager):
    from bookings.services.portal import portal_link_issue
    from bookings.services.privacy import client_export

    portal_link_issue(email=record["client"].email)  # a token hash now exists for the client
    archive = zipfile.ZipFile(io.BytesIO(client_export(client=record["client"], by=manager)))
    names = archive.namelist()
    assert {"export.json", "export.html", "fhir-bundle.json"} <= set(names)
    bundle = json.loads(archive.read("fhir-bundle.json"))
    assert bundle["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"])
    data = json.loads(archive.read("export.json"))
    assert data["client"]["email"] == "ada@example.com"
    notes = data["records"]["bookings.sessionnote"]
    assert SENTINEL in notes[0]["complaint"]
    assert data["records"]["bookings.noteaddendum"][0]["text"] == "Left side, not right."
    assert data["records"]["treatments.contraindicationanswer"]
    assert data["records"]["bookings.notechecklistitem"]
    assert data["records"]["bookings.homecareassignment"]
    tokens = data["records"]["bookings.portaltoken"]
    assert tokens and not any("hash" in k or "token" in k for k in tokens[0])
    document = [n for n in names if n.startswith("documents/treatments.medicalclearance-")]
    assert document and SENTINEL.encode() in archive.read(document[0])
    assert SENTINEL in archive.read("export.html").decode()


def test_an_export_is_logged(record, manager):
    from bookings.services.privacy import client_export

    client_export(client=record["client"], by=manager)
    row = AccessLog.objects.filter(action=AccessAction.EXPORT).get()
    assert (row.user, row.client) == (manager, record["client"])


def test_the_manager_exports_from_the_client_page(client, record, manager):
    client.force_login(manager)
    url = reverse("admin:clinic_client_export", args=[record["client"].pk])
    page = client.get(reverse("admin:clinic_client_change", args=[record["client"].pk]))
    assert url in page.content.decode()
    assert client.get(url).status_code == 302  # a GET only shows the page again
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert zipfile.ZipFile(io.BytesIO(response.content)).read("export.json")


@pytest.mark.parametrize("persona", ["front_desk", "therapist"])
def test_only_the_manager_exports(client, record, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    response = client.post(reverse("admin:clinic_client_export", args=[record["client"].pk]))
    assert response.status_code == 403
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_a_portal_client_downloads_only_their_own_records(client, record, other_client):
    session = client.session
    session[PORTAL_SESSION_KEY] = other_client.pk
    session.save()
    response = client.post(reverse("bookings:portal_export"))
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("export.json"))
    assert data["client"]["email"] == other_client.email
    assert not data["records"]["bookings.sessionnote"]
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, client=other_client, user=None).count() == 1


def test_without_a_portal_session_there_is_no_export(client, record):
    response = client.post(reverse("bookings:portal_export"))
    assert response.status_code == 302
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_export_client_command_writes_the_zip(record, manager, tmp_path):
    out = tmp_path / "ada.zip"
    call_command("export_client", str(record["client"].pk), "--by", "manager", "--out", str(out))
    assert json.loads(zipfile.ZipFile(out).read("export.json"))["client"]["first_name"] == "Ada"
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, user=manager).count() == 1


# -- clearance documents ---------------------------------------------------------------------


def test_the_treating_therapist_and_the_manager_download_a_clearance_document(client, record, therapist, manager):
    url = reverse("bookings:clearance_document", args=[record["clearance"].pk])
    for user in (therapist.user, manager):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert SENTINEL.encode() in b"".join(response.streaming_content)
        assert response["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response["Cache-Control"]
    rows = AccessLog.objects.filter(action=AccessAction.DOWNLOAD, object_id=str(record["clearance"].pk))
    assert sorted(r.user.username for r in rows) == sorted([therapist.user.username, "manager"])


@pytest.mark.parametrize("persona", ["front_desk", "other_therapist"])
def test_others_get_404_for_a_clearance_document(client, record, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    response = client.get(reverse("bookings:clearance_document", args=[record["clearance"].pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.filter(action=AccessAction.DOWNLOAD).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, record):
    response = client.get(reverse("bookings:clearance_document", args=[record["clearance"].pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_media_files_are_not_served_from_a_public_path(client, record):
    name = record["clearance"].document.name
    assert client.get(f"/media/{name}").status_code == 404

