"""The health record: intake, answers, consents and clearances, with change history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.conftest import make_staff
from treatments import services
from treatments.models import (
    Consent,
    ContraindicationAnswer,
    ContraindicationItem,
    HealthIntake,
    HealthRecordChange,
    MedicalClearance,
)
from treatments.selectors import answers_for_client

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def history(client) -> list[HealthRecordChange]:
    return list(HealthRecordChange.objects.filter(client=client).order_by("id"))


@pytest.mark.django_db
def test_creating_an_intake_is_recorded(client_person, therapist):
    intake = services.intake_get_or_create(client=client_person, by=therapist.user, now=NOW)
    (entry,) = history(client_person)
    assert (entry.kind, entry.record_type, entry.record_id) == (
        "created",
        "treatments.healthintake",
        intake.pk,
    )
    assert entry.changed_by == therapist.user and entry.changed_at == NOW
    assert services.intake_get_or_create(client=client_person, by=therapist.user) == intake
    assert len(history(client_person)) == 1


@pytest.mark.django_db
def test_intake_changes_keep_who_when_and_old_and_new_values(
    intake, client_person, therapist, manager
):
    services.intake_update(
        intake=intake, by=therapist.user, now=NOW, medications="Apixaban", pressure_preference=3
    )
    later = NOW + dt.timedelta(days=7)
    services.intake_update(
        intake=intake,
        by=manager,
        now=later,
        medications="Apixaban, ibuprofen",
        areas_to_avoid=["hamstrings"],
        cannot_lie_prone=True,
    )
    *_, first, second = history(client_person)
    assert first.changed_by == therapist.user and first.changed_at == NOW
    assert first.changes == {"medications": ["", "Apixaban"], "pressure_preference": [None, 3]}
    assert second.changed_by == manager and second.changed_at == later
    assert second.changes == {
        "medications": ["Apixaban", "Apixaban, ibuprofen"],
        "areas_to_avoid": [[], ["hamstrings"]],
        "cannot_lie_prone": [False, True],
    }
    intake.refresh_from_db()
    assert intake.medications == "Apixaban, ibuprofen"
    assert [s.code for s in intake.areas_to_avoid.all()] == ["hamstrings"]


@pytest.mark.django_db
def test_an_update_that_changes_nothing_leaves_no_history(intake, client_person, therapist):
    before = len(history(client_person))
    services.intake_update(intake=intake, by=therapist.user, medications="")
    assert len(history(client_person)) == before


@pytest.mark.django_db
def test_intake_update_refuses_unknown_fields(intake, therapist):
    with pytest.raises(ValidationError):
        services.intake_update(intake=intake, by=therapist.user, client=None)


@pytest.mark.django_db
def test_review_is_recorded(intake, client_person, therapist):
    services.intake_mark_reviewed(intake=intake, by=therapist.user, now=NOW)
    intake.refresh_from_db()
    assert intake.last_reviewed_at == NOW and intake.last_reviewed_by == therapist.user
    assert history(client_person)[-1].kind == "reviewed"


@pytest.mark.django_db
def test_answers_name_the_version_asked_and_changes_are_kept(
    intake, client_person, therapist, manager
):
    services.answer_record(
        intake=intake,
        item="ci-anticoagulant",
        answer=True,
        detail="apixaban",
        by=therapist.user,
        now=NOW,
    )
    item = ContraindicationItem.objects.get(code="ci-anticoagulant")
    v1 = item.current_version
    assert ContraindicationAnswer.objects.get(intake=intake, item=item).version == v1
    v2 = services.catalogue_item_revise(
        item=item, by=manager, question="Do you take any blood thinners?"
    )
    services.answer_record(
        intake=intake, item=item, answer="no", by=therapist.user, now=NOW + dt.timedelta(days=1)
    )
    answer = ContraindicationAnswer.objects.get(intake=intake, item=item)
    assert (answer.answer, answer.version, answer.detail) == ("no", v2, "")
    created, changed = history(client_person)[-2:]
    assert created.kind == "created" and created.changes["answer"] == [None, "yes"]
    assert changed.kind == "changed" and changed.changes == {
        "answer": ["yes", "no"],
        "detail": ["apixaban", ""],
        "version": [v1.pk, v2.pk],
    }
    assert answers_for_client(client_person) == {"ci-anticoagulant": "no"}


@pytest.mark.django_db
def test_unknown_item_code_is_refused(intake, therapist):
    with pytest.raises(ValidationError):
        services.answer_record(intake=intake, item="ci-nonsense", answer=True, by=therapist.user)


@pytest.mark.django_db
def test_answer_must_name_a_version_of_its_own_item(intake):
    fever = ContraindicationItem.objects.get(code="ci-fever")
    wound = ContraindicationItem.objects.get(code="ci-wound")
    answer = ContraindicationAnswer(
        intake=intake, item=fever, version=wound.current_version, answer="yes"
    )
    with pytest.raises(ValidationError):
        answer.full_clean()


@pytest.mark.django_db
def test_one_answer_per_item_both_ways(intake):
    fever = ContraindicationItem.objects.get(code="ci-fever")
    ContraindicationAnswer.objects.create(
        intake=intake, item=fever, version=fever.current_version, answer="no"
    )
    duplicate = ContraindicationAnswer(
        intake=intake, item=fever, version=fever.current_version, answer="yes"
    )
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.django_db
def test_one_intake_per_client_both_ways(intake, client_person):
    with pytest.raises(ValidationError):
        HealthIntake(client=client_person).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthIntake.objects.create(client=client_person)


@pytest.mark.django_db
def test_pressure_preference_on_the_0_to_5_scale_both_ways(intake):
    intake.pressure_preference = 6
    with pytest.raises(ValidationError):
        intake.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthIntake.objects.filter(pk=intake.pk).update(pressure_preference=6)


@pytest.mark.django_db
def test_consent_give_and_withdraw_are_recorded(client_person, therapist):
    consent = services.consent_give(
        client=client_person,
        kind="sensitive-area",
        region="gluteal",
        method="written",
        by=therapist.user,
        now=NOW,
    )
    assert consent.is_valid_at(NOW)
    services.consent_withdraw(consent=consent, by=therapist.user, now=NOW + dt.timedelta(hours=1))
    consent.refresh_from_db()
    assert not consent.is_valid_at(NOW + dt.timedelta(hours=1))
    given, withdrawn = history(client_person)[-2:]
    assert given.kind == "created" and given.changes["region"] == [None, "gluteal"]
    assert withdrawn.kind == "withdrawn" and withdrawn.changed_by == therapist.user
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.consent_withdraw(consent=consent, by=therapist.user)


def _consent(intake, **overrides) -> Consent:
    fields = dict(
        intake=intake, kind="sensitive-area", region="gluteal", method="written", given_at=NOW
    )
    fields.update(overrides)
    return Consent(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"region": ""},
        {"kind": "general"},
        {"method": "verbal"},
        {"expires_at": NOW},
        {"withdrawn_at": NOW - dt.timedelta(seconds=1)},
    ],
    ids=[
        "sensitive-needs-region",
        "general-has-no-region",
        "sensitive-in-writing",
        "expires-after-given",
        "withdrawn-after-given",
    ],
)
def test_consent_constraints_both_ways(intake, overrides):
    consent = _consent(intake, **overrides)
    with pytest.raises(ValidationError):
        consent.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        consent.save()


@pytest.mark.django_db
def test_valid_consents_pass_the_constraints(intake):
    _consent(intake, expires_at=NOW + dt.timedelta(days=365)).full_clean()
    _consent(intake, kind="general", region="", method="verbal").full_clean()


@pytest.mark.django_db
def test_clearance_record_keeps_items_and_history(client_person, therapist):
    clearance = services.clearance_record(
        client=client_person,
        given_by="Dr. Rivera",
        given_on=dt.date(2026, 3, 1),
        items=["ci-cancer"],
        scope_notes="Light pressure only.",
        by=therapist.user,
        now=NOW,
    )
    assert [i.code for i in clearance.items.all()] == ["ci-cancer"]
    assert clearance.recorded_by == therapist.user and clearance.recorded_at == NOW
    entry = history(client_person)[-1]
    assert entry.record_type == "treatments.medicalclearance" and entry.changes["items"] == [
        None,
        ["ci-cancer"],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [{"given_by": ""}, {"expires_on": dt.date(2026, 2, 28)}],
    ids=["given-by-set", "expires-after-given"],
)
def test_clearance_constraints_both_ways(client_person, overrides):
    fields = dict(client=client_person, given_by="Dr. A", given_on=dt.date(2026, 3, 1))
    fields.update(overrides)
    clearance = MedicalClearance(**fields)
    with pytest.raises(ValidationError):
        clearance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        clearance.save()


@pytest.mark.django_db
def test_change_history_is_append_only(intake, client_person):
    entry = history(client_person)[0]
    entry.kind = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        HealthRecordChange.objects.filter(client=client_person).update(kind="changed")


@pytest.mark.django_db
def test_clinical_text_is_not_in_str(intake, therapist):
    services.intake_update(intake=intake, by=therapist.user, medications="warfarin")
    answer = services.answer_record(
        intake=intake, item="ci-pregnancy", answer=True, detail="20 weeks", by=therapist.user
    )
    consent = services.consent_give(
        client=intake.client, kind="general", method="verbal", by=therapist.user
    )
    for obj in (intake, answer, consent, history(intake.client)[-1]):
        text = str(obj)
        assert "warfarin" not in text and "weeks" not in text and "pregnan" not in text.lower()
        assert intake.client.last_name not in text


def test_health_records_protect_their_client():
    # Deleting a client must not silently drop health records that must be retained.
    from django.db.models import PROTECT

    for model, name in [
        (HealthIntake, "client"),
        (MedicalClearance, "client"),
        (HealthRecordChange, "client"),
        (Consent, "intake"),
        (ContraindicationAnswer, "intake"),
    ]:
        assert model._meta.get_field(name).remote_field.on_delete is PROTECT, model


@pytest.mark.django_db
def test_staff_without_clinical_roles_can_still_be_named(client_person):
    # The history keeps the author even for a user with no role (e.g. a superuser script).
    user = make_staff(None)
    services.intake_get_or_create(client=client_person, by=user)
    assert history(client_person)[0].changed_by == user


def _answers_and_history(client, intake) -> tuple[list[tuple], list[tuple]]:
    """Answers and their history, with row ids replaced by item codes so two clients'
    records can be compared."""
    answers = {
        a.pk: a
        for a in ContraindicationAnswer.objects.filter(intake=intake).select_related("item")
    }
    rows = sorted(
        (a.item.code, a.version_id, a.answer, a.detail, a.answered_at, a.recorded_by_id)
        for a in answers.values()
    )
    changes = [
        (answers[c.record_id].item.code, c.kind, c.changes, c.changed_at, c.changed_by_id)
        for c in history(client)
        if c.record_type == "treatments.contraindicationanswer"
    ]
    return rows, changes


@pytest.mark.django_db
def test_answers_in_bulk_leave_the_same_rows_versions_and_history_as_one_by_one(
    client_person, other_client, therapist, manager
):
    one = services.intake_get_or_create(client=client_person, by=None, now=NOW)
    bulk = services.intake_get_or_create(client=other_client, by=None, now=NOW)
    first = {"ci-anticoagulant": (True, "apixaban"), "ci-fever": False, "ci-wound": "no"}
    # Changed, unchanged, re-asked under a new version, and new answers.
    second = {
        "ci-anticoagulant": (False, ""),
        "ci-fever": False,
        "ci-wound": ("yes", "left shin"),
        "rf-bladder": False,
        "ci-pregnancy": True,
    }

    def one_by_one(answers, now):
        for code, value in answers.items():
            answer, detail = value if isinstance(value, tuple) else (value, "")
            services.answer_record(
                intake=one, item=code, answer=answer, detail=detail, by=therapist.user, now=now
            )

    one_by_one(first, NOW)
    services.answers_record(intake=bulk, answers=first, by=therapist.user, now=NOW)
    services.catalogue_item_revise(
        item=ContraindicationItem.objects.get(code="ci-fever"), by=manager, wording="Fever today"
    )
    later = NOW + dt.timedelta(days=3)
    one_by_one(second, later)
    services.answers_record(intake=bulk, answers=second, by=therapist.user, now=later)

    expected = _answers_and_history(client_person, one)
    assert _answers_and_history(other_client, bulk) == expected
    # Three created; then three changed (the fever answer only in its version), two created.
    assert [kind for _, kind, *_ in expected[1]] == ["created"] * 3 + ["changed"] * 3 + ["created"] * 2


@pytest.mark.django_db
def test_answers_in_bulk_write_nothing_when_one_code_is_unknown(intake, therapist):
    with pytest.raises(ValidationError) as caught:
        services.answers_record(
            intake=intake, answers={"ci-fever": True, "ci-nonsense": True}, by=therapist.user
        )
    assert caught.value.params == {"code": "ci-nonsense"}
    assert not ContraindicationAnswer.objects.filter(intake=intake).exists()


@pytest.mark.django_db
def test_answers_in_bulk_take_a_constant_number_of_queries(
    intake, therapist, django_assert_max_num_queries
):
    codes = list(ContraindicationItem.objects.values_list("code", flat=True))
    assert len(codes) > 30
    with django_assert_max_num_queries(6):
        services.answers_record(
            intake=intake, answers=dict.fromkeys(codes, False), by=therapist.user, now=NOW
        )
    with django_assert_max_num_queries(7):
        services.answers_record(
            intake=intake, answers=dict.fromkeys(codes, True), by=therapist.user, now=NOW
        )
    assert ContraindicationAnswer.objects.filter(intake=intake, answer="yes").count() == len(codes)
