"""Fixtures for clinical-safety tests: the shipped catalogue and treatments as plain values
(loaded once per test from the migrated database), and a health intake for a client."""

from __future__ import annotations

import importlib

import pytest

from treatments import services
from treatments.models import HealthIntake, TreatmentType
from treatments.screening import CatalogueEntry, TreatmentProfile
from treatments.selectors import catalogue_entries

# The shipped catalogue, as clinical-reference.md Part 1 and the migrations that rewrote it
# describe it: code -> (category, action, requires clearance, refer, treatment types, body
# sites, other types' action).
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

@pytest.fixture
def catalogue(db) -> list[CatalogueEntry]:
    return catalogue_entries()


@pytest.fixture
def entries_by_code(catalogue) -> dict[str, CatalogueEntry]:
    return {e.code: e for e in catalogue}


@pytest.fixture
def profiles(db) -> dict[str, TreatmentProfile]:
    return {
        t.code: TreatmentProfile.from_treatment_type(t)
        for t in TreatmentType.objects.prefetch_related("body_sites")
    }


@pytest.fixture
def intake(client_person, therapist) -> HealthIntake:
    return services.intake_get_or_create(client=client_person, by=therapist.user)
