"""The shipped contraindication catalogue and its versioning."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from treatments import services
from treatments.models import (
    ContraindicationItem,
    ContraindicationVersion,
    TreatmentType,
)

DT, MFR, TPT = "deep-tissue", "myofascial-release", "trigger-point"
PS6, PS12, PS13 = "perfect-spot-6", "perfect-spot-12", "perfect-spot-13"
ALL = frozenset()
SIX = frozenset({DT, MFR, TPT, PS6, PS12, PS13})
FOOT = frozenset(
    {"heel-behind-ball", "heel-inner-edge", "plantar-bottom", "ball-behind-big-toe", "ball-under"}
)

REWRITTEN = importlib.import_module("treatments.migrations.0005_plain_time_bound_questions").REWRITES
ON_THE_DAY = importlib.import_module("treatments.migrations.0006_asked_on_visit_day").ON_THE_DAY
RED_FLAG_CODES = [
    "rf-saddle-numbness",
    "rf-bladder",
    "rf-bowel",
    "rf-sexual",
    "rf-both-legs",
    "rf-progressive-weakness",
    "rf-infection",
    "rf-cancer",
    "rf-weight-night",
    "rf-trauma",
    "rf-dvt",
    "rf-dvt-breathless",
    "rf-infection-drugs",
    "rf-infection-immunity",
]
CONTRAINDICATION_CODES = [
    "ci-fever",
    "ci-contagious-skin",
    "ci-dvt",
    "ci-dvt-history",
    "ci-hypertension-uncontrolled",
    "ci-hypertension-controlled",
    "ci-acute-medical",
    "ci-intoxicated",
    "ci-bleeding",
    "ci-anticoagulant",
    "ci-fracture",
    "ci-osteoporosis",
    "ci-recent-surgery",
    "ci-hip-replacement",
    "ci-wound",
    "ci-acute-injury",
    "ci-inflammatory-flare",
    "ci-varicose",
    "ci-cancer",
    "ci-lymphoedema",
    "ci-undiagnosed-lump",
    "ci-pregnancy",
    "ci-diabetes-neuropathy",
    "ci-feedback-meds",
    "ci-steroids",
    "ci-nerve-irritation",
    "ci-aneurysm",
    "ci-lubricant-allergy",
]

# Part 1 of clinical-reference.md, restated independently of the migration:
# code -> (category, action, requires clearance, refer, types, sites, action for other types)
EXPECTED = {
    **{c: ("red-flag", "emergency", False, True, ALL, ALL, "") for c in RED_FLAG_CODES[:5]},
    **{c: ("red-flag", "urgent", False, True, ALL, ALL, "") for c in RED_FLAG_CODES[5:11]},
    "rf-dvt-breathless": ("red-flag", "emergency", False, True, ALL, ALL, ""),
    # rf-infection's risk factors, asked one at a time: urgent, like the fever.
    "rf-infection-drugs": ("red-flag", "urgent", False, True, ALL, ALL, ""),
    "rf-infection-immunity": ("red-flag", "urgent", False, True, ALL, ALL, ""),
    "ci-fever": ("absolute", "do-not-treat", False, False, ALL, ALL, ""),
    "ci-contagious-skin": ("local", "avoid-area", False, False, ALL, ALL, ""),
    "ci-dvt": ("absolute", "do-not-treat", False, True, ALL, ALL, ""),
    "ci-dvt-history": ("relative", "modify", False, False, {DT, TPT}, {"hamstrings"}, ""),
    "ci-hypertension-uncontrolled": ("absolute", "clearance", False, False, ALL, ALL, ""),
    "ci-hypertension-controlled": ("relative", "modify", False, False, {DT}, ALL, ""),
    "ci-acute-medical": ("absolute", "do-not-treat", False, False, ALL, ALL, ""),
    "ci-intoxicated": ("absolute", "do-not-treat", False, False, ALL, ALL, ""),
    "ci-bleeding": ("relative", "modify", True, False, SIX, ALL, ""),
    "ci-anticoagulant": ("relative", "modify", False, False, SIX, ALL, ""),
    "ci-fracture": ("local", "avoid-area", False, False, ALL, ALL, ""),
    "ci-osteoporosis": ("relative", "modify", False, False, {DT, TPT, MFR, PS13}, ALL, ""),
    "ci-recent-surgery": ("local", "avoid-area", True, False, ALL, ALL, ""),
    "ci-hip-replacement": ("relative", "modify", False, False, {PS6, MFR, PS12}, ALL, ""),
    "ci-wound": ("local", "avoid-area", False, False, ALL, ALL, ""),
    "ci-acute-injury": ("local", "avoid-area", False, False, {DT, TPT}, ALL, ""),
    "ci-inflammatory-flare": ("local", "avoid-area", False, False, {DT, MFR, PS13}, ALL, ""),
    "ci-varicose": ("local", "avoid-area", False, False, {DT, TPT}, {"hamstrings"}, ""),
    "ci-cancer": ("relative", "modify", True, False, {DT, TPT, MFR}, ALL, ""),
    "ci-lymphoedema": ("relative", "modify", False, False, {DT}, ALL, ""),
    "ci-undiagnosed-lump": ("local", "avoid-area", False, True, ALL, ALL, ""),
    "ci-pregnancy": ("relative", "modify", False, False, {PS12, PS13, DT, TPT}, ALL, ""),
    "ci-diabetes-neuropathy": ("relative", "modify", False, False, ALL, FOOT, ""),
    "ci-feedback-meds": ("relative", "modify", False, False, {DT, TPT}, ALL, ""),
    "ci-steroids": ("relative", "modify", False, False, {DT, MFR}, ALL, ""),
    "ci-nerve-irritation": (
        "local",
        "avoid-area",
        False,
        False,
        {DT, TPT, MFR},
        {"piriformis", "hamstrings"},
        "",
    ),
    "ci-aneurysm": ("absolute", "do-not-treat", False, False, {MFR}, ALL, "avoid-area"),
    "ci-lubricant-allergy": ("relative", "modify", False, False, ALL, ALL, ""),
}


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
