"""Health records (in treatments) obey the same visibility rule as session notes."""

import pytest

from bookings.selectors.visibility import clinical_scope
from tests.bookings.conftest import MONDAY, book, local, treat
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
    visible = set(clinical_scope(HealthIntake.objects.all(), working_therapist.user))
    assert treated in visible and untreated not in visible


@pytest.mark.django_db
def test_front_desk_sees_no_health_record_and_the_manager_sees_all(intakes, front_desk, manager):
    assert not clinical_scope(HealthIntake.objects.all(), front_desk).exists()
    assert set(clinical_scope(HealthIntake.objects.all(), manager)) == set(intakes)
