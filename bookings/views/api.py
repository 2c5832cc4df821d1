"""The public read API (django-ninja), mounted at /api/; OpenAPI at /api/openapi.json.

Bad parameters answer 400 with `{"errors": [{"field": ..., "message": ...}]}` naming
each field, for type errors caught by ninja and for domain checks alike; never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from bookings.selectors.availability import clinic_zone, slots_available
from clinic.models import Therapist
from treatments.models import TreatmentOption, TreatmentType
from treatments.selectors import treatments_for_public

UNKNOWN_TREATMENT = "No treatment with this code can be booked online."
DURATION_NOT_OFFERED = "This treatment is not offered at this length."
UNKNOWN_THERAPIST = "No active therapist with this id offers this treatment."

api = NinjaAPI(
    title="Clinic booking API",
    version="1",
    description="Treatments and free appointment times. Times are ISO 8601 with the "
    "clinic's UTC offset.",
    urls_namespace="api",
    docs_url=None,  # ninja's docs page loads Swagger UI from a CDN; the JSON is enough
)


class FieldError(Schema):
    field: str
    message: str


class ErrorsOut(Schema):
    errors: list[FieldError]


class OptionOut(Schema):
    duration: int = Field(description="Minutes.")
    price: str = Field(description="Decimal string, e.g. \"130.00\".")


class TreatmentOut(Schema):
    code: str
    name: str
    summary: str
    options: list[OptionOut]


class TherapistRef(Schema):
    id: int
    name: str


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    therapist: TherapistRef


class SlotsOut(Schema):
    timezone: str = Field(description="The clinic's IANA time zone, e.g. America/Toronto.")
    slots: list[SlotOut]


def bad_request(request: HttpRequest, errors: list[tuple[str, str]]) -> HttpResponse:
    return api.create_response(
        request,
        {"errors": [{"field": field, "message": message} for field, message in errors]},
        status=400,
    )


@api.exception_handler(NinjaValidationError)
def validation_errors(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Ninja answers 422 for malformed input; this API promises 400 naming the field."""
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path")]
        errors.append((".".join(loc) or "request", error.get("msg", "Invalid value.")))
    return bad_request(request, errors)


@api.get("/treatments", response=list[TreatmentOut], summary="Treatments bookable online")
def treatments(request: HttpRequest):
    return [
        {
            "code": t.code,
            "name": t.name,
            "summary": t.summary,
            "options": [
                {"duration": o.duration_minutes, "price": f"{o.price:.2f}"} for o in t.active_options
            ],
        }
        for t in treatments_for_public()
    ]


@api.get(
    "/slots",
    response={200: SlotsOut, 400: ErrorsOut},
    summary="Free appointment times",
    description="Free start times for one treatment option over 1 to 31 days from `date` "
    "(a date in the clinic's zone), for one therapist or any who offers the treatment.",
)
def slots(
    request: HttpRequest,
    treatment: Annotated[str, Query(description="Treatment code, from /api/treatments.", max_length=40)],
    duration: Annotated[int, Query(description="Minutes; one of the treatment's options.", ge=1, le=1440)],
    date: Annotated[dt.date, Query(description="First day, YYYY-MM-DD.")],
    days: Annotated[int, Query(description="Number of days, 1 to 31.", ge=1, le=31)],
    therapist: Annotated[
        int | None, Query(description="A therapist id; any therapist if omitted.", ge=1, le=2**31 - 1)
    ] = None,
):
    option = (
        TreatmentOption.objects.select_related("treatment_type")
        .filter(
            treatment_type__code=treatment,
            duration_minutes=duration,
            active=True,
            treatment_type__active=True,
            treatment_type__bookable_online=True,
        )
        .first()
    )
    if option is None:
        if TreatmentType.objects.bookable_online().filter(code=treatment).exists():
            return bad_request(request, [("duration", DURATION_NOT_OFFERED)])
        return bad_request(request, [("treatment", UNKNOWN_TREATMENT)])
    if (
        therapist is not None
        and not Therapist.objects.filter(
            pk=therapist, active=True, treatment_types=option.treatment_type_id
        ).exists()
    ):
        return bad_request(request, [("therapist", UNKNOWN_THERAPIST)])
    zone = clinic_zone()
    return {
        "timezone": settings.TIME_ZONE,
        "slots": [
            {
                "start": slot.start.astimezone(zone),
                "end": slot.end.astimezone(zone),
                "therapist": {"id": slot.therapist_id, "name": slot.therapist_name},
            }
            for slot in slots_available(option, date, days, therapist=therapist)
        ],
    }
