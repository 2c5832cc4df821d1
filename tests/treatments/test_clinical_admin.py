"""Clinical models in the admin: who may see them, and every save goes through services."""

from __future__ import annotations

import pytest
from django.forms import MultiWidget
from django.urls import reverse

from treatments import services
from treatments.models import (
    Consent,
    ContraindicationAnswer,
    ContraindicationItem,
    HealthIntake,
    HealthRecordChange,
    MedicalClearance,
)

CLINICAL = [
    "healthintake",
    "consent",
    "medicalclearance",
    "healthrecordchange",
    "contraindicationitem",
]


@pytest.fixture
def treats(therapist, intake):
    """The therapist has treated the intake's client: only a treating therapist
    may read or change a health record (bookings' visibility rule)."""
    from tests.bookings.conftest import MONDAY, add_hours, book, local, treat
    from treatments.models import TreatmentOption

    add_hours(therapist)
    option = TreatmentOption.objects.get(treatment_type__code="deep-tissue", duration_minutes=60)
    return treat(book(intake.client, option, local(MONDAY, 10), therapist=therapist))


def url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:treatments_{model}_{view}", args=args)


def post_data(response) -> dict:
    """The data a browser would post back unchanged from an admin change page."""
    data: dict = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            widget = form.fields[name].widget
            if isinstance(widget, MultiWidget):
                keys = [key]
                if form.fields[name].show_hidden_initial:  # a browser posts it back too
                    keys.append(form.add_initial_prefix(name))
                for k in keys:
                    for i, part in enumerate(widget.decompress(value)):
                        data[f"{k}_{i}"] = "" if part is None else str(part)
            elif value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(getattr(v, "pk", v)) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            add(form)
    return data


@pytest.fixture
def intake(client_person, therapist):
    intake = services.intake_get_or_create(client=client_person, by=therapist.user)
    services.consent_give(client=client_person, kind="general", method="verbal", by=therapist.user)
    services.clearance_record(
        client=client_person,
        given_by="Dr. A",
        given_on=client_person.created_at.date(),
        by=therapist.user,
    )
    return intake


@pytest.mark.django_db
@pytest.mark.parametrize("model", CLINICAL)
def test_front_desk_cannot_open_clinical_lists(client, front_desk, intake, model):
    client.force_login(front_desk)
    assert client.get(url(model)).status_code == 403


@pytest.mark.django_db
def test_front_desk_cannot_open_a_health_record_consent_or_clearance(client, front_desk, intake):
    client.force_login(front_desk)
    consent = Consent.objects.get(intake=intake)
    clearance = MedicalClearance.objects.get(client=intake.client)
    assert client.get(url("healthintake", "change", intake.pk)).status_code == 403
    assert client.get(url("consent", "change", consent.pk)).status_code == 403
    assert client.get(url("medicalclearance", "change", clearance.pk)).status_code == 403
    assert client.get(url("healthintake", "add")).status_code == 403
    assert client.get(url("medicalclearance", "add")).status_code == 403
    index = client.get(reverse("admin:index"))
    assert "Health intake" not in index.text and "Medical clearance" not in index.text


@pytest.mark.django_db
@pytest.mark.parametrize("model", CLINICAL)
def test_therapist_opens_clinical_lists(client, therapist, intake, model):
    client.force_login(therapist.user)
    assert client.get(url(model)).status_code == 200


@pytest.mark.django_db
def test_therapist_views_but_cannot_edit_the_catalogue(client, therapist):
    client.force_login(therapist.user)
    item = ContraindicationItem.objects.get(code="ci-acute-medical")
    page = client.get(url("contraindicationitem", "change", item.pk))
    assert page.status_code == 200
    response = client.post(url("contraindicationitem", "change", item.pk), post_data(page))
    assert response.status_code == 403
    assert item.versions.count() == 1


@pytest.mark.django_db
def test_manager_edit_in_the_admin_creates_a_new_version(client, manager):
    client.force_login(manager)
    item = ContraindicationItem.objects.get(code="ci-varicose")
    old = item.current_version
    page = client.get(url("contraindicationitem", "change", item.pk))
    data = post_data(page)
    data["wording"] = "Varicose veins, especially painful or swollen ones."
    response = client.post(url("contraindicationitem", "change", item.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    old.refresh_from_db()
    assert item.current_version.version == 2 and item.current_version.created_by == manager
    assert item.current_version.wording.startswith("Varicose veins, especially")
    assert old.wording == "Varicose veins."
    assert {s.code for s in item.current_version.body_sites.all()} == {"hamstrings"}


@pytest.mark.django_db
def test_saving_the_catalogue_unchanged_adds_no_version(client, manager):
    client.force_login(manager)
    item = ContraindicationItem.objects.get(code="ci-aneurysm")
    page = client.get(url("contraindicationitem", "change", item.pk))
    assert (
        client.post(url("contraindicationitem", "change", item.pk), post_data(page)).status_code
        == 302
    )
    assert item.versions.count() == 1


@pytest.mark.django_db
def test_an_inconsistent_edit_is_shown_as_an_error(client, manager):
    client.force_login(manager)
    item = ContraindicationItem.objects.get(code="ci-acute-medical")
    page = client.get(url("contraindicationitem", "change", item.pk))
    data = post_data(page) | {"action": "emergency"}
    response = client.post(url("contraindicationitem", "change", item.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert item.versions.count() == 1


@pytest.mark.django_db
def test_manager_adds_a_catalogue_item_in_the_admin(client, manager):
    client.force_login(manager)
    data = {
        "code": "ci-hernia",
        "active": "on",
        "sort_order": "99",
        "question": "Do you have a hernia?",
        "wording": "Hernia.",
        "category": "local",
        "action": "avoid-area",
        "guidance": "Avoid it.",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    response = client.post(url("contraindicationitem", "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = ContraindicationItem.objects.get(code="ci-hernia")
    assert item.current_version.version == 1 and item.current_version.created_by == manager


@pytest.mark.django_db
def test_therapist_adds_an_intake_with_answers_and_consent_through_the_admin(
    client, therapist, client_person
):
    client.force_login(therapist.user)
    fever = ContraindicationItem.objects.get(code="ci-fever")
    data = {
        "client": str(client_person.pk),
        "medications": "ibuprofen",
        "pregnant": "no",
        "answers-TOTAL_FORMS": "1",
        "answers-INITIAL_FORMS": "0",
        "answers-0-item": str(fever.pk),
        "answers-0-answer": "yes",
        "answers-0-detail": "",
        "consents-TOTAL_FORMS": "1",
        "consents-INITIAL_FORMS": "0",
        "consents-0-kind": "sensitive-area",
        "consents-0-region": "gluteal",
        "consents-0-method": "written",
        "consents-0-given_at_0": "2026-03-01",
        "consents-0-given_at_1": "10:00:00",
    }
    response = client.post(url("healthintake", "add"), data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    intake = HealthIntake.objects.get(client=client_person)
    assert intake.medications == "ibuprofen"
    answer = ContraindicationAnswer.objects.get(intake=intake)
    assert (answer.item, answer.version, answer.recorded_by) == (
        fever,
        fever.current_version,
        therapist.user,
    )
    assert Consent.objects.get(intake=intake).recorded_by == therapist.user
    kinds = list(
        HealthRecordChange.objects.filter(client=client_person)
        .order_by("id")
        .values_list("record_type", "kind")
    )
    assert kinds == [
        ("treatments.healthintake", "created"),
        ("treatments.healthintake", "changed"),
        ("treatments.contraindicationanswer", "created"),
        ("treatments.consent", "created"),
    ]
    assert set(HealthRecordChange.objects.values_list("changed_by", flat=True)) == {
        therapist.user.pk
    }


@pytest.mark.django_db
def test_editing_an_intake_in_the_admin_keeps_history(client, therapist, intake, treats):
    client.force_login(therapist.user)
    page = client.get(url("healthintake", "change", intake.pk))
    data = post_data(page) | {"allergies": "nut oils"}
    response = client.post(url("healthintake", "change", intake.pk), data)
    assert response.status_code == 302
    last = HealthRecordChange.objects.filter(client=intake.client).latest("id")
    assert last.changes == {"allergies": ["", "nut oils"]} and last.changed_by == therapist.user


@pytest.mark.django_db
def test_a_recorded_consent_can_be_withdrawn_but_not_rewritten(client, therapist, intake, treats):
    client.force_login(therapist.user)
    page = client.get(url("healthintake", "change", intake.pk))
    data = post_data(page) | {"consents-0-method": "written"}
    assert client.post(url("healthintake", "change", intake.pk), data).status_code == 200
    data = post_data(page) | {
        "consents-0-withdrawn_at_0": "2099-01-01",
        "consents-0-withdrawn_at_1": "10:00",
    }
    assert client.post(url("healthintake", "change", intake.pk), data).status_code == 302
    assert Consent.objects.get(intake=intake).withdrawn_at is not None
    assert HealthRecordChange.objects.filter(client=intake.client).latest("id").kind == "withdrawn"


@pytest.mark.django_db
def test_therapist_records_a_clearance_through_the_admin(client, therapist, client_person):
    client.force_login(therapist.user)
    cancer = ContraindicationItem.objects.get(code="ci-cancer")
    data = {
        "client": str(client_person.pk),
        "given_by": "Dr. Rivera",
        "given_on": "2026-03-01",
        "expires_on": "2026-09-01",
        "items": [str(cancer.pk)],
        "scope_notes": "",
    }
    response = client.post(url("medicalclearance", "add"), data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    clearance = MedicalClearance.objects.get(client=client_person)
    assert clearance.recorded_by == therapist.user
    assert [i.code for i in clearance.items.all()] == ["ci-cancer"]
    assert HealthRecordChange.objects.filter(record_type="treatments.medicalclearance").exists()


@pytest.mark.django_db
def test_change_history_cannot_be_edited_in_the_admin(client, manager, intake):
    client.force_login(manager)
    entry = HealthRecordChange.objects.filter(client=intake.client).first()
    assert client.get(url("healthrecordchange", "change", entry.pk)).status_code == 200
    assert client.get(url("healthrecordchange", "add")).status_code == 403
    assert (
        client.post(url("healthrecordchange", "delete", entry.pk), {"post": "yes"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_intake_list_shows_no_clinical_text(client, therapist, intake):
    services.intake_update(intake=intake, by=therapist.user, medications="warfarin")
    client.force_login(therapist.user)
    assert "warfarin" not in client.get(url("healthintake")).text
