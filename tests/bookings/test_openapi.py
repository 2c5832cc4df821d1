"""The OpenAPI document: a valid OpenAPI 3 document listing every endpoint with its
request and response schemas."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_the_document_lists_every_endpoint(document):
    assert {"/api/treatments", "/api/slots", "/api/bookings"} <= set(document["paths"])
    assert "get" in document["paths"]["/api/slots"]
    assert "post" in document["paths"]["/api/bookings"]


def test_booking_lists_its_request_and_every_response(document):
    operation = document["paths"]["/api/bookings"]["post"]

    assert set(operation["responses"]) >= {"201", "400", "409", "422", "429"}
    request = resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])
    assert set(request["required"]) >= {
        "treatment",
        "duration",
        "start",
        "client",
        "screening",
        "consents",
        "policy_accepted",
    }
    assert "therapist" in request["properties"] and "therapist" not in request["required"]
    assert request["additionalProperties"] is False  # unknown fields are refused
    client = resolve(document, request["properties"]["client"])
    assert client["additionalProperties"] is False
    assert any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))


def test_booking_responses_have_the_promised_shapes(document):
    responses = document["paths"]["/api/bookings"]["post"]["responses"]

    def properties(status: str) -> set[str]:
        schema = responses[status]["content"]["application/json"]["schema"]
        return set(resolve(document, schema)["properties"])

    assert properties("201") == {
        "reference",
        "start",
        "end",
        "therapist",
        "manage_url",
        "needs_clearance",
    }
    assert properties("400") == {"errors"}
    assert properties("409") == {"detail", "alternatives"}
    assert properties("422") == {"detail", "advice", "findings"}
    assert properties("429") == {"detail"}
