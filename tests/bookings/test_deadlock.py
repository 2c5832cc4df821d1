"""A PostgreSQL deadlock between two conflicting inserts is a lost race, not a 500.

Two transactions inserting overlapping appointments at the same moment can each wait on the
other inside the exclusion constraint's check; the server aborts one with SQLSTATE 40P01.
CI hit this once in the two-client race. It cannot be provoked on demand, so the server's
error is simulated at the point where the row is saved.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError

from bookings import errors
from bookings.models import Appointment
from tests.bookings.conftest import MONDAY, book, local

pytestmark = pytest.mark.django_db


class DriverError(Exception):
    """Stands in for psycopg's error, which carries the SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failing_save(sqlstate: str):
    def save(self, *args, **kwargs):
        exc = OperationalError("deadlock detected" if sqlstate == "40P01" else "server gone")
        exc.__cause__ = DriverError(sqlstate)
        raise exc

    return save


def test_the_loser_of_a_deadlock_is_told_the_time_was_just_taken(
    working_therapist, client_person, option_60, monkeypatch
):
    monkeypatch.setattr(Appointment, "save", failing_save("40P01"))
    with pytest.raises(ValidationError, match=errors.SLOT_TAKEN):
        book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)
    monkeypatch.undo()
    assert not Appointment.objects.exists()


def test_other_database_errors_are_not_disguised(working_therapist, client_person, option_60, monkeypatch):
    monkeypatch.setattr(Appointment, "save", failing_save("08006"))
    with pytest.raises(OperationalError):
        book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)
