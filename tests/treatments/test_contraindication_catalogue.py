"""The shipped contraindication catalogue and its versioning."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.treatments.conftest import (
    CONTRAINDICATION_CODES,
    DT,
    EXPECTED,
    MFR,
    ON_THE_DAY,
    PS6,
    RED_FLAG_CODES,
    REWRITTEN,
    TPT,
)
from treatments import services
from treatments.models import (
    ContraindicationItem,
    ContraindicationVersion,
    TreatmentType,
)


@pytest.mark.django_db
def test_migration_ships_every_red_flag_and_contraindication_of_part_1():
    shipped = set(ContraindicationItem.objects.values_list("code", flat=True))
    assert shipped == set(RED_FLAG_CODES) | set(CONTRAINDICATION_CODES)
    # Part 1's 11 red flags, rf-dvt's breathlessness follow-up, rf-infection's two risk
    # factors asked on their own, and 28 contraindications.
    assert len(RED_FLAG_CODES) == 14 and len(CONTRAINDICATION_CODES) == 28


@pytest.mark.django_db
def test_every_shipped_item_has_a_current_version():
    # Items rewritten for the public (migration 0005) gained a version, and the questions
    # about the day of the visit (0006) another.
    for item in ContraindicationItem.objects.select_related("current_version"):
        assert item.current_version is not None, item.code
        expected = 1 + (item.code in REWRITTEN) + (item.code in ON_THE_DAY)
        assert item.current_version.version == expected, item.code
        assert item.current_version.item_id == item.pk
        assert item.current_version.question and item.current_version.wording
        assert item.current_version.guidance


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_shipped_item_matches_the_reference(entries_by_code, code):
    category, action, clearance, refer, types, sites, other = EXPECTED[code]
    entry = entries_by_code[code]
    assert (entry.category, entry.action) == (category, action)
    assert (entry.requires_clearance, entry.refer) == (clearance, refer)
    assert entry.treatment_types == frozenset(types)
    assert entry.body_sites == frozenset(sites)
    assert entry.other_types_action == other


def test_only_the_questions_about_the_day_are_asked_on_the_visit_day(entries_by_code):
    assert {c for c, e in entries_by_code.items() if e.asked_on_visit_day} == {
        "ci-fever", "ci-intoxicated", "ci-feedback-meds"
    }


@pytest.mark.django_db
def test_the_visit_day_versions_keep_the_wording_the_old_versions_were_answered_with():
    for code in ON_THE_DAY:
        newer, older = ContraindicationVersion.objects.filter(item__code=code).order_by("-version")[:2]
        assert not older.asked_on_visit_day and newer.asked_on_visit_day
        assert (older.question, older.wording, older.action) == (newer.question, newer.wording, newer.action)


def test_progressive_weakness_and_a_swollen_leg_escalate(entries_by_code):
    assert {c for c, e in entries_by_code.items() if e.escalates_with_emergency} == {
        "rf-progressive-weakness", "rf-dvt"
    }


@pytest.mark.parametrize("code", RED_FLAG_CODES)
def test_every_red_flag_has_plain_language_client_advice(entries_by_code, code):
    entry = entries_by_code[code]
    advice = entry.client_advice.lower()
    if entry.action == "emergency":
        assert "emergency" in advice and "do not book" in advice
    else:
        assert "see a doctor" in advice
    assert entry.question.endswith("?")


def test_dvt_advice_says_breathlessness_or_chest_pain_is_an_emergency(entries_by_code):
    advice = entries_by_code["rf-dvt"].client_advice.lower()
    assert "short of breath" in advice and "chest pain" in advice and "emergency" in advice


@pytest.mark.django_db
def test_editing_an_item_creates_a_new_version_and_keeps_the_old(manager):
    item = ContraindicationItem.objects.get(code="ci-acute-medical")
    first = item.current_version
    second = services.catalogue_item_revise(
        item=item, by=manager, wording="Recent stroke, heart attack or unstable heart disease."
    )
    item.refresh_from_db()
    first.refresh_from_db()
    assert item.current_version == second
    assert second.version == 2 and second.created_by == manager
    assert first.wording == "Recent stroke or TIA, myocardial infarction, unstable cardiac disease, uncleared concussion."
    assert second.question == first.question and second.action == first.action
    assert list(item.versions.values_list("version", flat=True)) == [2, 1]


@pytest.mark.django_db
def test_revising_copies_types_and_sites_unless_changed(manager):
    item = ContraindicationItem.objects.get(code="ci-varicose")
    v2 = services.catalogue_item_revise(item=item, by=manager, guidance="Light work only.")
    assert {t.code for t in v2.treatment_types.all()} == {DT, TPT}
    assert {s.code for s in v2.body_sites.all()} == {"hamstrings"}
    v3 = services.catalogue_item_revise(item=item, by=manager, treatment_types=[DT])
    assert {t.code for t in v3.treatment_types.all()} == {DT}
    assert {t.code for t in v2.treatment_types.all()} == {DT, TPT}


@pytest.mark.django_db
def test_revising_without_a_change_adds_no_version(manager):
    item = ContraindicationItem.objects.get(code="ci-acute-medical")
    assert services.catalogue_item_revise(item=item, by=manager, action="do-not-treat").version == 1
    assert item.versions.count() == 1


@pytest.mark.django_db
def test_a_version_is_never_updated_in_place():
    version = ContraindicationVersion.objects.first()
    version.wording = "changed"
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        ContraindicationVersion.objects.filter(pk=version.pk).update(wording="changed")


@pytest.mark.django_db
def test_new_item_gets_version_one(manager):
    item = services.catalogue_item_create(
        code="ci-hernia",
        by=manager,
        question="Do you have a hernia?",
        wording="Hernia.",
        category="local",
        action="avoid-area",
        treatment_types=[MFR],
    )
    assert item.current_version.version == 1
    assert [t.code for t in item.current_version.treatment_types.all()] == [MFR]


def _version(**overrides) -> ContraindicationVersion:
    item = ContraindicationItem.objects.create(code="ci-test")
    fields = dict(
        item=item, version=1, question="Q?", wording="W", category="relative", action="modify"
    )
    fields.update(overrides)
    return ContraindicationVersion(**fields)


@pytest.mark.django_db
def test_duplicate_version_number_is_refused_both_ways():
    version = _version()
    version.save()
    duplicate = ContraindicationVersion(
        item=version.item,
        version=1,
        question="Q?",
        wording="W",
        category="relative",
        action="modify",
    )
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"category": "red-flag", "action": "modify"},
        {"category": "absolute", "action": "emergency"},
        {"action": "modify", "escalates_with_emergency": True},
        {"other_types_action": "urgent"},
        {"version": 0},
        {"question": ""},
    ],
    ids=[
        "red-flag-needs-referral",
        "referral-only-red-flag",
        "escalate-only-urgent",
        "other-types-not-red-flag",
        "version-positive",
        "question-set",
    ],
)
def test_version_check_constraints_both_ways(overrides):
    version = _version(**overrides)
    with pytest.raises(ValidationError):
        version.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContraindicationVersion.objects.bulk_create([version])


@pytest.mark.django_db
def test_a_valid_version_passes_the_constraints():
    version = _version(category="red-flag", action="urgent", escalates_with_emergency=True)
    version.full_clean()
    version.save()


@pytest.mark.django_db
def test_items_for_treatment_lists_only_items_affecting_it():
    from treatments.selectors import items_for_treatment

    codes = {v.item.code for v in items_for_treatment(TreatmentType.objects.get(code=PS6))}
    assert "ci-hip-replacement" in codes and "ci-aneurysm" in codes
    assert "ci-varicose" not in codes and "ci-steroids" not in codes
    assert set(RED_FLAG_CODES) <= codes
