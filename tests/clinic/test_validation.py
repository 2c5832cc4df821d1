"""validate_row: the same verdicts as full_clean, without asking the database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Appointment, SessionNote, WorkingHours
from clinic.validation import validate_row
from treatments.models import Consent, TreatmentOption

pytestmark = pytest.mark.django_db


def _database_verdict(row, trusted) -> None:
    """full_clean's field checks, then each check constraint asked of the database."""
    from django.core.exceptions import NON_FIELD_ERRORS
    from django.db.models import CheckConstraint

    errors: dict = {}
    try:
        row.full_clean(exclude=trusted, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    failed = {name for name in errors if name != NON_FIELD_ERRORS}
    for constraint in row._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            try:
                constraint.validate(type(row), row, exclude=failed)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _verdict(check) -> list[str] | None:
    try:
        check()
    except ValidationError as exc:
        return sorted(exc.messages)
    return None


def _rows(client_person, therapist, option_60, intake_of):
    now = timezone.now()
    base = dict(
        client=client_person, therapist=therapist, treatment_type=option_60.treatment_type,
        option=option_60, duration_minutes=60, price=Decimal("125"), source="staff",
        starts_at=now, ends_at=now + timedelta(hours=1), buffer_ends_at=now + timedelta(minutes=70),
    )
    intake = intake_of(client_person)
    return [
        Appointment(**base, status="booked"),
        Appointment(**{**base, "ends_at": base["starts_at"]}, status="booked"),
        Appointment(**{**base, "buffer_ends_at": base["starts_at"]}, status="booked"),
        Appointment(**{**base, "duration_minutes": 481}, status="booked"),
        Appointment(**base, status="cancelled"),
        Appointment(**base, status="cancelled", cancelled_at=now),
        Appointment(**base, status="booked", cancelled_at=now),
        Consent(intake=intake, kind="general", method="electronic", given_at=now),
        Consent(intake=intake, kind="general", region="chest", method="electronic", given_at=now),
        Consent(intake=intake, kind="sensitive-area", region="chest", method="verbal", given_at=now),
        Consent(intake=intake, kind="sensitive-area", region="", method="written", given_at=now),
        Consent(intake=intake, kind="general", method="written", given_at=now, expires_at=now),
        Consent(intake=intake, kind="general", method="written", given_at=now, expires_at=None,
                withdrawn_at=now - timedelta(days=1)),
        TreatmentOption(treatment_type=option_60.treatment_type, duration_minutes=4, price=Decimal("1")),
        TreatmentOption(treatment_type=option_60.treatment_type, duration_minutes=45, price=Decimal("-1")),
        WorkingHours(therapist=therapist, weekday=8, start_time="09:00", end_time="10:00"),
        WorkingHours(therapist=therapist, weekday=1, start_time="11:00", end_time="10:00"),
        SessionNote(appointment=Appointment(pk=1), client=client_person, therapist=therapist,
                    status="signed", pain_before=11),
        SessionNote(appointment=Appointment(pk=1), client=client_person, therapist=therapist,
                    status="draft", pain_before=3, pain_after=None),
    ]


@pytest.fixture
def intake_of():
    from treatments.services import intake_get_or_create

    return lambda client: intake_get_or_create(client=client, by=None)


def test_check_constraints_get_the_database_verdict_without_a_query(
    client_person, therapist, option_60, intake_of, django_assert_num_queries
):
    rows = _rows(client_person, therapist, option_60, intake_of)
    verdicts = []
    for row in rows:
        trusted = [f.name for f in row._meta.concrete_fields if f.is_relation]
        expected = _verdict(lambda row=row, trusted=trusted: _database_verdict(row, trusted))
        with django_assert_num_queries(0):
            got = _verdict(lambda row=row, trusted=trusted: validate_row(row, trusted=trusted))
        assert got == expected, row
        verdicts.append(got)
    assert verdicts.count(None) == 4  # the others break a rule each


def test_field_errors_are_still_raised(client_person, therapist, option_60):
    now = timezone.now()
    appointment = Appointment(
        client=client_person, therapist=therapist, treatment_type=option_60.treatment_type,
        option=option_60, duration_minutes=60, price=Decimal("125"), source="nowhere",
        status="booked", starts_at=now, ends_at=now + timedelta(hours=1),
        buffer_ends_at=now + timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as caught:
        validate_row(appointment, trusted=["client", "therapist", "treatment_type", "option", "room"])
    assert "source" in caught.value.message_dict
