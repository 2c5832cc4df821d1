"""Rows written once stay as written in the database itself: a completed questionnaire, the
health record's change history and the catalogue's item versions refuse every UPDATE, from
the ORM's raw paths and from raw SQL, on both databases. Deleting stays possible for the
retention purge and erasure (tests/bookings/test_retention.py)."""

from __future__ import annotations

from datetime import timedelta

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
    refused(
        "UPDATE treatments_healthrecordchange SET changed_at = %s WHERE id = %s",
        change.changed_at + timedelta(milliseconds=1), change.pk,
    )
    change.refresh_from_db()
    assert change.changes == {"medications": ["", "SENTINEL"]}


def test_a_catalogue_version_keeps_the_wording_answers_were_given_to():
    version = ContraindicationVersion.objects.order_by("pk").first()
    refused("UPDATE treatments_contraindicationversion SET question = 'Other' WHERE id = %s", version.pk)
    assert ContraindicationVersion.objects.get(pk=version.pk).question == version.question


def test_writing_back_the_same_values_is_no_change(response):
    """Django's deserialisation (loaddata, the test runner's serialised rollback) saves an
    existing row with its own values: that changes nothing and is let through."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bookings_outcomeresponse SET score = score WHERE id = %s", [response.pk])
        assert cursor.rowcount == 1
    # As the serialisers write it back: the timestamp to the millisecond.
    response.submitted_at = response.submitted_at.replace(microsecond=response.submitted_at.microsecond // 1000 * 1000)
    response.save_base(raw=True, force_update=True)


def test_new_rows_and_removal_stay_possible(response, change):
    """The guards refuse changes only: inserting is how these tables grow, and removal is
    the retention purge's and erasure's route."""
    assert OutcomeResponse.objects.filter(pk=response.pk).delete()[0] == 1
    assert HealthRecordChange.objects.filter(pk=change.pk).delete()[0] == 1
