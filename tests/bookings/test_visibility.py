"""One visibility rule for clinical records, walked across every clinical admin URL with
each role: the manager sees all, a therapist sees the clients they treat, another
therapist and the front desk see nothing of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin

from bookings.models import AccessLog, SessionNote
from bookings.selectors.visibility import clinical_scope, notes_visible_to
from bookings.services import notes as services
from tests.factories import answer, past_appointment, start_note
from treatments import services as treatment_services
from treatments.models import (
    Consent,
    HealthIntake,
    HealthRecordChange,
    MedicalClearance,
)

pytestmark = pytest.mark.django_db

CLINICAL_MODELS = (SessionNote, AccessLog, HealthIntake, Consent, MedicalClearance, HealthRecordChange)


@pytest.fixture
def world(client_person, other_client, therapist, other_therapist, option_60):
    note = start_note(client_person, therapist, option_60)
    services.note_update(note=note, by=therapist.user, complaint="Left buttock ache")
    intake = answer(client_person, therapist.user, ci_fever="no")
    consent = treatment_services.consent_give(
        client=client_person, kind="general", method="written", by=therapist.user
    )
    clearance = treatment_services.clearance_record(
        client=client_person, given_by="Dr Who", given_on=dt.date(2026, 1, 5), by=therapist.user
    )
    services.access_record(user=therapist.user, action="view", obj=note, client=client_person)
    other_note = start_note(other_client, other_therapist, option_60)
    return {
        "note": note, "intake": intake, "consent": consent, "clearance": clearance,
        "other_note": other_note,
    }


URLS = [
    ("notes list", lambda w: "/admin/bookings/sessionnote/", "list"),
    ("notes search", lambda w: "/admin/bookings/sessionnote/?q=Lovelace", "list"),
    ("notes to sign", lambda w: "/admin/bookings/sessionnote/to-sign/", "open"),
    ("note change", lambda w: f"/admin/bookings/sessionnote/{w['note'].pk}/change/", "object"),
    ("note history", lambda w: f"/admin/bookings/sessionnote/{w['note'].pk}/history/", "object"),
    ("note print", lambda w: f"/staff/notes/{w['note'].public_id}/print/", "object"),
    ("access log", lambda w: "/admin/bookings/accesslog/", "manager-list"),
    ("intake list", lambda w: "/admin/treatments/healthintake/?q=Lovelace", "list"),
    ("intake change", lambda w: f"/admin/treatments/healthintake/{w['intake'].pk}/change/", "object"),
    ("intake history", lambda w: f"/admin/treatments/healthintake/{w['intake'].pk}/history/", "object"),
    ("consent list", lambda w: "/admin/treatments/consent/", "list"),
    ("consent change", lambda w: f"/admin/treatments/consent/{w['consent'].pk}/change/", "object"),
    ("clearance list", lambda w: "/admin/treatments/medicalclearance/", "list"),
    ("clearance change", lambda w: f"/admin/treatments/medicalclearance/{w['clearance'].pk}/change/", "object"),
    ("record history list", lambda w: "/admin/treatments/healthrecordchange/", "list"),
]


@pytest.mark.parametrize("role", ["manager", "treating", "other", "front_desk"])
@pytest.mark.parametrize("label,url,kind", URLS, ids=[u[0] for u in URLS])
def test_every_clinical_admin_url_follows_the_visibility_rule(
    client, world, role, label, url, kind, manager, therapist, other_therapist, front_desk
):
    user = {"manager": manager, "treating": therapist.user, "other": other_therapist.user,
            "front_desk": front_desk}[role]
    client.force_login(user)
    response = client.get(url(world))
    sees = role == "manager" or (role == "treating" and kind != "manager-list")
    body = response.content.decode()
    if sees:
        assert response.status_code == 200, (label, role, response.status_code)
        if kind in ("list", "manager-list"):
            assert "Ada Lovelace" in body, (label, role)
    elif kind == "object":
        assert response.status_code in (302, 403, 404), (label, role, response.status_code)
        assert "Left buttock ache" not in body
    else:
        assert response.status_code in (200, 403), (label, role)
        assert "Ada Lovelace" not in body, (label, role)


def test_a_therapist_reads_past_notes_of_a_client_they_now_treat_but_cannot_change_them(
    client, world, client_person, other_therapist, option_60
):
    note = world["note"]
    assert not notes_visible_to(other_therapist.user).filter(pk=note.pk).exists()
    past_appointment(client_person, other_therapist, option_60, days_ago=0)
    assert notes_visible_to(other_therapist.user).filter(pk=note.pk).exists()
    client.force_login(other_therapist.user)
    page = client.get(f"/admin/bookings/sessionnote/{note.pk}/change/")
    assert page.status_code == 200 and b"Left buttock ache" in page.content
    assert b'name="complaint"' not in page.content
    assert client.post(f"/admin/bookings/sessionnote/{note.pk}/change/", {"complaint": "x"}).status_code == 403


def test_a_cancelled_appointment_gives_no_access(client_person, other_therapist, option_60, world):
    past_appointment(client_person, other_therapist, option_60, status="cancelled")
    assert not notes_visible_to(other_therapist.user).filter(pk=world["note"].pk).exists()


def test_front_desk_and_anonymous_users_see_no_notes(world, front_desk):
    from django.contrib.auth.models import AnonymousUser

    assert not notes_visible_to(front_desk).exists()
    assert not notes_visible_to(AnonymousUser()).exists()
    assert not clinical_scope(HealthIntake.objects.all(), front_desk).exists()


def test_every_clinical_admin_takes_its_queryset_from_the_rule(rf, world, front_desk, other_therapist, manager):
    """Enumerates the admin registry: each clinical model's admin returns nothing of this
    client to a user outside the rule, and everything to the manager."""
    for model in CLINICAL_MODELS:
        model_admin = admin.site._registry[model]
        for user, expect in ((front_desk, 0), (other_therapist.user, None), (manager, model.objects.count())):
            request = rf.get("/")
            request.user = user
            qs = model_admin.get_queryset(request)
            if expect is None:
                lookup = {
                    SessionNote: "client", AccessLog: "client", HealthIntake: "client",
                    Consent: "intake__client", MedicalClearance: "client", HealthRecordChange: "client",
                }[model]
                assert not qs.filter(**{f"{lookup}__last_name": "Lovelace"}).exists(), model
            else:
                assert qs.count() == expect, (model, user)
