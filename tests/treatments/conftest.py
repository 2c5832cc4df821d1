"""Fixtures for clinical-safety tests: the shipped catalogue and treatments as plain values
(loaded once per test from the migrated database), and a health intake for a client."""

from __future__ import annotations

import pytest

from treatments import services
from treatments.models import HealthIntake, TreatmentType
from treatments.screening import CatalogueEntry, TreatmentProfile
from treatments.selectors import catalogue_entries


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
