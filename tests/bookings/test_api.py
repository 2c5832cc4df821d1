"""The read API: treatments, free times, 400s that name the field, an OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bookings.models import Appointment
from tests.bookings.conftest import MONDAY, NOW, add_hours
from tests.conftest import make_client, make_therapist
from treatments.models import TreatmentOption, TreatmentType

pytestmark = pytest.mark.django_db

SLOTS = "/api/slots"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def params(**overrides) -> dict:
    base = {"treatment": "trigger-point", "duration": 60, "date": MONDAY.isoformat(), "days": 1}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_treatments_lists_online_treatments_with_options(client):
    TreatmentType.objects.filter(code="perfect-spot-13").update(bookable_online=False)
    response = client.get("/api/treatments")
    assert response.status_code == 200
    data = response.json()
    codes = [t["code"] for t in data]
    assert "trigger-point" in codes and "perfect-spot-13" not in codes
    trigger = next(t for t in data if t["code"] == "trigger-point")
    assert set(trigger) == {"code", "name", "summary", "options"}
    assert {"duration": 60, "price": "125.00"} in trigger["options"]


def test_slots_answer_with_the_clinic_offset_and_therapist(client, working_therapist):
    response = client.get(SLOTS, params())
    assert response.status_code == 200
    data = response.json()
    assert data["timezone"] == "America/Toronto"
    first = data["slots"][0]
    assert first == {
        "start": "2026-11-23T09:00:00-05:00",
        "end": "2026-11-23T10:00:00-05:00",
        "therapist": {"id": working_therapist.pk, "name": "Maya Chen"},
    }
    assert len(data["slots"]) == 29


def test_slots_for_one_therapist(client, working_therapist, other_therapist):
    add_hours(other_therapist, "13:00", "15:00")
    data = client.get(SLOTS, params(therapist=other_therapist.pk)).json()
    assert {s["therapist"]["id"] for s in data["slots"]} == {other_therapist.pk}


def test_summer_slots_carry_the_daylight_offset(client, working_therapist):
    with time_machine.travel(NOW.replace(month=6, day=1), tick=False):
        data = client.get(SLOTS, params(date="2026-06-08")).json()
    assert data["slots"][0]["start"] == "2026-06-08T09:00:00-04:00"


def test_slots_default_to_a_week_from_today_in_the_clinic_zone(client, working_therapist):
    # 23:30 in Toronto is already tomorrow in UTC: the week must start on the clinic's today.
    late_friday = NOW.replace(hour=23, minute=30)
    with time_machine.travel(late_friday, tick=False):
        defaulted = client.get(SLOTS, params(date=None, days=None))
        explicit = client.get(SLOTS, params(date=late_friday.date().isoformat(), days=7))
    assert defaulted.status_code == 200
    assert defaulted.json() == explicit.json()
    starts = [s["start"][:10] for s in defaulted.json()["slots"]]
    assert starts[-1] == (late_friday.date() + timedelta(days=6)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"treatment": "no-such-thing"}, "treatment"),
        ({"treatment": None}, "treatment"),
        ({"duration": 50}, "duration"),
        ({"duration": "sixty"}, "duration"),
        ({"duration": None}, "duration"),
        ({"duration": 10**30}, "duration"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "23/11/2026"}, "date"),
        ({"days": 0}, "days"),
        ({"days": 32}, "days"),
        ({"days": "a week"}, "days"),
        ({"therapist": "maya"}, "therapist"),
        ({"therapist": 999999}, "therapist"),
        ({"therapist": 10**30}, "therapist"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(client, working_therapist, overrides, field):
    response = client.get(SLOTS, params(**overrides))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors]
    assert all(e["message"] for e in errors)


def test_staff_only_treatment_is_unknown_to_the_public_api(client, working_therapist):
    TreatmentType.objects.filter(code="trigger-point").update(bookable_online=False)
    response = client.get(SLOTS, params())
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "treatment"


def test_therapist_who_does_not_offer_the_treatment_is_a_bad_parameter(client, working_therapist):
    other = make_therapist("Ola Nordmann", treatments=["deep-tissue"])
    response = client.get(SLOTS, params(therapist=other.pk))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "therapist"


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_extreme_dates_give_an_empty_list_not_an_error(client, working_therapist, date):
    response = client.get(SLOTS, params(date=date, days=31))
    assert response.status_code == 200
    assert response.json()["slots"] == []


def test_openapi_document_describes_both_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert {"/api/treatments", "/api/slots"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/api/slots"]["get"]["parameters"]}
    assert names == {"treatment", "duration", "date", "days", "therapist"}
    slots = doc["paths"]["/api/slots"]["get"]
    required = {p["name"] for p in slots["parameters"] if p.get("required")}
    assert required == {"treatment", "duration"}
    assert "today in the clinic's zone" in slots["description"] and "7 days" in slots["description"]
    from openapi_spec_validator import validate

    validate(doc)


def _history(therapist, n):
    option = TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=60
    )
    client = make_client()
    start = NOW - timedelta(days=n + 1)
    Appointment.objects.bulk_create(
        Appointment(
            client=client, therapist=therapist, treatment_type=option.treatment_type, option=option,
            duration_minutes=60, price=option.price, source="staff", status="completed", cancellation_window=timedelta(hours=24),
            starts_at=start + timedelta(days=i), ends_at=start + timedelta(days=i, hours=1),
            buffer_ends_at=start + timedelta(days=i, minutes=70),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("history", [0, 300])
def test_slots_endpoint_query_count_does_not_grow_with_window_or_history(
    client, working_therapist, other_therapist, history, django_assert_max_num_queries
):
    add_hours(other_therapist)
    _history(working_therapist, history)
    for days in (1, 31):
        with django_assert_max_num_queries(8):
            assert client.get(SLOTS, params(days=days)).status_code == 200
        with django_assert_max_num_queries(8):
            assert client.get(SLOTS, params(days=days, therapist=working_therapist.pk)).status_code == 200


@pytest.mark.parametrize("zone", ["America/Toronto", "UTC"])
def test_slots_json_is_byte_for_byte_what_ninja_would_serialise_from_the_schema(
    client, rf, working_therapist, other_therapist, settings, zone
):
    from bookings.selectors.availability import slots_available
    from bookings.views.api import SlotsOut, api

    settings.TIME_ZONE = zone
    add_hours(other_therapist)
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    response = client.get(SLOTS, params(days=3))
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"

    raw = {
        "timezone": zone,
        "slots": [
            {"start": s.start, "end": s.end,
             "therapist": {"id": s.therapist_id, "name": s.therapist_name}}
            for s in slots_available(option, MONDAY, 3)
        ],
    }
    validated = api.create_response(rf.get(SLOTS), SlotsOut.model_validate(raw).model_dump(), status=200)
    assert len(raw["slots"]) > 50
    assert response.content == validated.content
