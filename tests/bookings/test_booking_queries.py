"""A booking's queries do not grow with the clinic's history or the number of answers."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.selectors.online import screening_versions
from bookings.services import online
from tests.bookings.conftest import MONDAY, NOW, local, make_history
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

# online_booking_create, the service POST /api/bookings and the booking pages call: about
# 490 queries before the answers were written in bulk and rows validated without a query
# per rule. At most 40 on both databases, through the API too, with the work done after
# the commit (the diary's new generation); 8 queue the confirmation email.
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("history", [0, 420])
def test_a_booking_through_the_api_runs_at_most_40_queries_with_its_commit_callbacks(
    client, working_therapist, option_60, history
):
    # Real commits: the work after the commit runs inside the count.
    if history:
        make_history(make_client(), working_therapist, option_60, history, hour=7)
    answers = {v.item.code: False for v in screening_versions(option_60.treatment_type)["all"]}
    body = {
        "treatment": option_60.treatment_type.code,
        "duration": 60,
        "start": local(MONDAY, 10).isoformat(),
        "therapist": working_therapist.pk,
        "client": {"name": "Ada Newcomer", "email": "ada.new@example.com", "phone": "+1 416 555 0100"},
        "screening": answers,
        "consents": {"treatment": True, "sensitive_areas": []},
        "policy_accepted": True,
    }
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert any("clinic_generation" in q["sql"] for q in queries), "the diary's new generation"
    assert len(queries) <= BOOKING_QUERIES, "\n".join(q["sql"][:120] for q in queries)
