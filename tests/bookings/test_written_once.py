"""Rows written once stay as written in the database itself: a completed questionnaire, the
health record's change history and the catalogue's item versions refuse every UPDATE, from
the ORM's raw paths and from raw SQL, on both databases. Deleting stays possible for the
retention purge and erasure (tests/bookings/test_retention.py)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bookings.models import OutcomeResponse, ResponseSource
from treatments.models import ChangeKind, ContraindicationVersion, HealthRecordChange

pytestmark = pytest.mark.django_db


def refused(statement: str, *params) -> None:
    # The savepoint keeps PostgreSQL's transaction usable after the refusal.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def response(client_person):
    return OutcomeResponse.objects.create(
        client=client_person, instrument="nprs", instrument_version=1, wording={"q": "Pain now"},
        answers={"now": 6}, score=6, source=ResponseSource.PORTAL, submitted_at=timezone.now(),
    )


@pytest.fixture
def change(client_person):
    return HealthRecordChange.objects.create(
        client=client_person, record_type="treatments.healthintake", record_id=1,
        kind=ChangeKind.CREATED, changes={"medications": ["", "SENTINEL"]},
    )


def test_a_completed_questionnaire_cannot_be_rewritten(response):
    refused("UPDATE bookings_outcomeresponse SET score = 0 WHERE id = %s", response.pk)
    refused("UPDATE bookings_outcomeresponse SET answers = '{}' WHERE id = %s", response.pk)
    # Django's plain QuerySet.update(), past the model's own refusal, is refused too.
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet.update(OutcomeResponse.objects.filter(pk=response.pk), score=0)
    response.refresh_from_db()
    assert (response.score, response.answers) == (6, {"now": 6})


def test_the_health_record_history_cannot_be_rewritten(change):
    refused("UPDATE treatments_healthrecordchange SET changes = '{}' WHERE id = %s", change.pk)
    refused("UPDATE treatments_healthrecordchange SET changed_at = %s WHERE id = %s", timezone.now(), change.pk)
    change.refresh_from_db()
    assert change.changes == {"medications": ["", "SENTINEL"]}


def test_a_catalogue_version_keeps_the_wording_answers_were_given_to():
    version = ContraindicationVersion.objects.order_by("pk").first()
    refused("UPDATE treatments_contraindicationversion SET question = 'Other' WHERE id = %s", version.pk)
    assert ContraindicationVersion.objects.get(pk=version.pk).question == version.question


def test_new_rows_and_removal_stay_possible(response, change):
    """The guards refuse changes only: inserting is how these tables grow, and removal is
    the retention purge's and erasure's route."""
    assert OutcomeResponse.objects.filter(pk=response.pk).delete()[0] == 1
    assert HealthRecordChange.objects.filter(pk=change.pk).delete()[0] == 1
