"""A booking's queries do not grow with the clinic's history or the number of answers."""

from __future__ import annotations

import pytest
import time_machine

from bookings.selectors.online import screening_versions
from bookings.services import online
from tests.bookings.conftest import MONDAY, NOW, local, make_history
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

# online_booking_create, the service POST /api/bookings and the booking pages call: about
# 490 queries before the answers were written in bulk and rows validated without a query
# per rule. 40 on both databases, of which 8 queue the confirmation email and 2 are the
# test's own savepoint around the service's transaction.
BOOKING_QUERIES = 40


@pytest.mark.parametrize("history", [0, 420])
def test_an_online_booking_runs_a_bounded_number_of_queries(
    working_therapist, option_60, history, django_assert_max_num_queries
):
    if history:
        make_history(make_client(), working_therapist, option_60, history, hour=7)
    asked = screening_versions(option_60.treatment_type)
    answers = {v.item.code: False for v in asked["all"]}
    assert len(answers) > 30
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(BOOKING_QUERIES):
        booking = online.online_booking_create(
            option=option_60,
            starts_at=local(MONDAY, 10),
            therapist=working_therapist,
            details=online.ClientDetails(name="Ada Newcomer", email="ada.new@example.com", phone="+1 416 555 0100"),
            answers=answers,
            sensitive_consents=[],
            general_consent=True,
            policy_accepted=True,
        )
    assert booking.appointment.starts_at == local(MONDAY, 10)
