"""Health records (in treatments) obey the same visibility rule as session notes."""

import pytest

from bookings.selectors import visibility
from tests.bookings.conftest import MONDAY, book, local, treat
from treatments import selectors as treatment_selectors
from treatments import services
from treatments.models import HealthIntake


@pytest.fixture
def intakes(client_person, other_client, working_therapist, option_60):
    treat(book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist))
    by = working_therapist.user
    return (
        services.intake_get_or_create(client=client_person, by=by),
        services.intake_get_or_create(client=other_client, by=by),
    )


@pytest.mark.django_db
def test_a_therapist_sees_only_the_health_records_of_clients_they_treat(intakes, working_therapist):
    treated, untreated = intakes
    visible = set(HealthIntake.objects.visible_to(working_therapist.user))
    assert treated in visible and untreated not in visible


@pytest.mark.django_db
def test_front_desk_sees_no_health_record_and_the_manager_sees_all(intakes, front_desk, manager):
    assert not HealthIntake.objects.visible_to(front_desk).exists()
    assert set(HealthIntake.objects.visible_to(manager)) == set(intakes)


@pytest.mark.django_db
def test_without_the_bookings_rule_the_treatments_seam_fails_closed(
    intakes, working_therapist, manager, monkeypatch
):
    monkeypatch.setattr(treatment_selectors, "_scope_rule", None)
    assert not HealthIntake.objects.visible_to(working_therapist.user).exists()
    assert HealthIntake.objects.visible_to(manager).count() == 2
    monkeypatch.setattr(treatment_selectors, "_scope_rule", visibility.clinical_scope)
    assert HealthIntake.objects.visible_to(working_therapist.user).count() == 1
