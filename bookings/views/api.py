"""The public API (django-ninja), mounted at /api/; OpenAPI at /api/openapi.json.

Reads: treatments and free times. Write: `POST /api/bookings`, through the same booking
service as the public pages (`online_booking_create`), so no rule can be skipped.

Bad parameters answer 400 with `{"errors": [{"field": ..., "message": ...}]}` naming
each field, for type errors caught by ninja and for domain checks alike; never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header, NinjaAPI, Query, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from bookings import api_schemas as booking_schemas
from bookings import errors as domain_errors
from bookings import rules
from bookings.selectors.availability import FreeTimes, Slot, clinic_zone, free_times
from bookings.selectors.online import screening_versions
from bookings.services import online
from bookings.views.staff_api import StaffError
from bookings.views.staff_api import router as staff_router
from clinic import generations
from clinic.models import Therapist
from clinic.ratelimit import count_action, rate_limited
from treatments.models import TreatmentOption
from treatments.selectors import treatments_for_public

UNKNOWN_TREATMENT = "No treatment with this code can be booked online."
DURATION_NOT_OFFERED = "This treatment is not offered at this length."
UNKNOWN_THERAPIST = "No active therapist with this id offers this treatment."
SLOT_DAYS_DEFAULT = 7

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
    price: str = Field(description='Decimal string, e.g. "130.00".')


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


class BookingOut(Schema):
    reference: str = Field(description="The booking's reference (the appointment's public id).")
    start: dt.datetime
    end: dt.datetime
    therapist: TherapistRef
    manage_url: str = Field(description="Private link to view, move or cancel the booking.")
    needs_clearance: bool = Field(
        description="True when the client must bring a clinician's clearance to the visit."
    )


class SlotTakenOut(Schema):
    detail: str
    alternatives: list[SlotOut] = Field(description="The nearest free slots, as /api/slots.")


class FindingOut(Schema):
    code: str = Field(description="Catalogue code of the answer that led to the finding.")
    action: str = Field(description="emergency, urgent, do-not-treat, clearance, ...")


class RefusedOut(Schema):
    detail: str
    advice: list[str] = Field(description="What the client should do, in plain words.")
    findings: list[FindingOut]


class DetailOut(Schema):
    detail: str


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
        if error.get("loc", ())[:2] == ("body", BODY_PARAM):
            loc = loc[1:]  # the handler's parameter name is not part of the request
        errors.append((".".join(loc) or "request", error.get("msg", "Invalid value.")))
    return bad_request(request, errors)


@api.exception_handler(HttpError)
def http_errors(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own 400 (a body that is not JSON) in this API's 400 shape."""
    if exc.status_code == 400:
        return bad_request(request, [("request", BODY_NOT_JSON)])
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(StaffError)
def staff_errors(request: HttpRequest, exc: StaffError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


api.add_router("/staff/", staff_router)


@api.get("/treatments", response=list[TreatmentOut], summary="Treatments bookable online")
def treatments(request: HttpRequest):
    return [
        {
            "code": t.code,
            "name": t.name,
            "summary": t.summary,
            "options": [
                {"duration": o.duration_minutes, "price": f"{o.price:.2f}"}
                for o in t.active_options
            ],
        }
        for t in treatments_for_public()
    ]


@api.get(
    "/slots",
    response={200: SlotsOut, 400: ErrorsOut},
    summary="Free appointment times",
    description="Free start times for one treatment option over 1 to 31 days from `date` "
    "(a date in the clinic's zone), for one therapist or any who offers the treatment. "
    "Without `date` the times start today in the clinic's zone; without `days`, 7 days.",
)
def slots(
    request: HttpRequest,
    treatment: Annotated[
        str, Query(description="Treatment code, from /api/treatments.", max_length=40)
    ],
    duration: Annotated[
        int, Query(description="Minutes; one of the treatment's options.", ge=1, le=1440)
    ],
    date: Annotated[
        dt.date | None,
        Query(description="First day, YYYY-MM-DD; today in the clinic's zone if omitted."),
    ] = None,
    days: Annotated[
        int, Query(description="Number of days, 1 to 31; 7 if omitted.", ge=1, le=31)
    ] = SLOT_DAYS_DEFAULT,
    therapist: Annotated[
        int | None,
        Query(description="A therapist id; any therapist if omitted.", ge=1, le=2**31 - 1),
    ] = None,
):
    now = timezone.now()
    today = now.astimezone(clinic_zone()).date()
    # Everything but "now" comes from the cache while the diary's generation lasts
    # (`bookings.selectors.availability`: a value holds whole days, whatever the time now).
    found = generations.cached(
        generations.tokens(generations.DIARY),
        (
            "api-slots",
            settings.TIME_ZONE,
            treatment,
            duration,
            date or today,
            days,
            therapist,
            today,
        ),
        lambda: _slots_found(treatment, duration, date or today, days, therapist, today),
    )
    if isinstance(found, list):
        return bad_request(request, found)
    times, encoded = found
    low, high = times.bounds(now)
    # Serialised as ninja would from SlotsOut (a test compares the two), each slot once
    # per generation: validating and encoding a thousand rows cost more than finding them.
    body = f'{{"timezone": {json.dumps(settings.TIME_ZONE)}, "slots": [{", ".join(encoded[low:high])}]}}'
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _slots_found(
    treatment: str, duration: int, start: dt.date, days: int, therapist: int | None, today: dt.date
) -> list[tuple[str, str]] | tuple[FreeTimes, list[str]]:
    """The errors to answer for these parameters, or the free times (whatever the time
    now) with each slot's JSON."""
    options = rules.bookable_options(online=True).filter(treatment_type__code=treatment)
    option = options.filter(duration_minutes=duration).first()
    if option is None:
        if options.exists():
            return [("duration", DURATION_NOT_OFFERED)]
        return [("treatment", UNKNOWN_TREATMENT)]
    if (
        therapist is not None
        and not rules.therapists_offering(option.treatment_type_id).filter(pk=therapist).exists()
    ):
        return [("therapist", UNKNOWN_THERAPIST)]
    times = free_times(option, start, days, therapist, today=today)
    iso = DjangoJSONEncoder().default
    encoded = [
        json.dumps(
            {
                "start": iso(slot.start),
                "end": iso(slot.end),
                "therapist": {"id": slot.therapist_id, "name": slot.therapist_name},
            }
        )
        for slot in times.slots(None)
    ]
    return times, encoded


# ---- POST /api/bookings ---------------------------------------------------------------

BOOKING_BAD_START = (
    "Give the start exactly as /api/slots returned it, e.g. 2026-11-23T10:00:00-05:00."
)
BOOKING_NAIVE_START = "The start must include its UTC offset, exactly as /api/slots returned it."
BOOKING_UNKNOWN_TREATMENT = "There is no treatment with that code that can be booked online."
BOOKING_UNKNOWN_DURATION = "This treatment is not offered for that many minutes."
BOOKING_UNKNOWN_THERAPIST = "There is no therapist with that id offering this treatment."
BOOKING_ANSWER_MISSING = "Please answer this health question with true or false."
BOOKING_ANSWER_UNKNOWN = "This is not a question we ask."
BOOKING_KEY_TOO_LONG = (
    "The Idempotency-Key header must be at most 100 characters, without NUL characters."
)
BODY_PARAM = "payload"
BODY_NOT_JSON = "The request body must be a JSON object."
# Where the service's field names differ from this API's request fields. The field of
# each error comes from its code (`bookings.errors.ROUTES`), never from its message.
_SERVICE_FIELDS = {"option": "treatment"}


def _screening_field_errors(
    option: TreatmentOption, answers: dict[str, bool]
) -> list[tuple[str, str]]:
    """One error per missing or unknown answer, named like `screening.rf-bladder`."""
    asked = screening_versions(option.treatment_type)
    known = {v.item.code for v in asked["all"]}
    required = [v.item.code for v in asked["red_flags"] + asked["relevant"]]
    problems = [
        (f"screening.{code}", BOOKING_ANSWER_MISSING) for code in required if code not in answers
    ]
    problems += [
        (f"screening.{code}", BOOKING_ANSWER_UNKNOWN) for code in sorted(set(answers) - known)
    ]
    return problems


def _parse_start(raw: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"start": [BOOKING_BAD_START]}) from None
    if timezone.is_naive(value):
        raise ValidationError({"start": [BOOKING_NAIVE_START]})
    return value


def _booking_option(payload: booking_schemas.BookingIn) -> TreatmentOption:
    options = rules.bookable_options(online=True).filter(treatment_type__code=payload.treatment)
    option = options.filter(duration_minutes=payload.duration).first()
    if option is None:
        if not options.exists():
            raise ValidationError({"treatment": [BOOKING_UNKNOWN_TREATMENT]})
        raise ValidationError({"duration": [BOOKING_UNKNOWN_DURATION]})
    return option


def _booking_therapist(therapist_id: int | None, option: TreatmentOption) -> Therapist | None:
    if therapist_id is None:
        return None
    therapist = rules.therapists_offering(option.treatment_type_id).filter(pk=therapist_id).first()
    if therapist is None:
        raise ValidationError({"therapist": [BOOKING_UNKNOWN_THERAPIST]})
    return therapist


def _service_errors(
    exc: ValidationError, *, option: TreatmentOption, answers: dict[str, bool]
) -> list[tuple[str, str]]:
    """The booking service's refusal as (field, message) pairs named like the request."""
    pairs = domain_errors.field_errors(exc)
    errors = [
        (_SERVICE_FIELDS.get(field or "", field or "request"), message)
        for field, message in pairs
        if field != "screening"
    ]
    if any(field == "screening" for field, _ in pairs):
        named = _screening_field_errors(option, answers)
        errors += named or [(field, m) for field, m in pairs if field == "screening"]
    return errors


def _requester(request: HttpRequest) -> str:
    """Who sent the request, for the idempotency fingerprint: a signed-in user, else the
    public (the client's own identity is in the body: name, email, phone)."""
    user = getattr(request, "user", None)
    return f"api:user:{user.pk}" if user is not None and user.is_authenticated else "api"


def _slot_out(slot: Slot) -> dict:
    zone = clinic_zone()
    return {
        "start": slot.start.astimezone(zone),
        "end": slot.end.astimezone(zone),
        "therapist": {"id": slot.therapist_id, "name": slot.therapist_name},
    }


@api.post(
    "/bookings",
    response={
        201: BookingOut,
        400: ErrorsOut,
        409: SlotTakenOut,
        422: RefusedOut,
        429: DetailOut,
    },
    summary="Book an appointment",
    description="Books one treatment option at a free start time from /api/slots, after the "
    "health screen. 201: booked. 400: malformed input or missing answers, each field named "
    '(a missing answer as "screening.<code>"); unknown fields are refused. 409: the time is '
    "no longer free, with the nearest free slots. 422: the screening answers mean we cannot "
    "book this treatment, with advice for the client, or the `Idempotency-Key` was already "
    "used for a different request. 429: too many bookings from this address just now; "
    "Retry-After gives the seconds to wait. An `Idempotency-Key` header makes a repeated "
    "identical request return the same booking.",
)
@decorate_view(rate_limited("booking"))
def create_booking(
    request: HttpRequest,
    payload: booking_schemas.BookingIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string per booking attempt (at most 100 characters).",
        ),
    ] = None,
):
    if idempotency_key is not None and (len(idempotency_key) > 100 or "\x00" in idempotency_key):
        return bad_request(request, [("Idempotency-Key", BOOKING_KEY_TOO_LONG)])
    answers = dict(payload.screening)
    try:
        option = _booking_option(payload)
    except ValidationError as exc:
        return bad_request(request, [(k, m) for k, ms in exc.message_dict.items() for m in ms])
    problems: list[tuple[str, str]] = []
    starts_at = therapist = None
    try:
        starts_at = _parse_start(payload.start)
    except ValidationError as exc:
        problems += [("start", m) for m in exc.message_dict["start"]]
    try:
        therapist = _booking_therapist(payload.therapist, option)
    except ValidationError as exc:
        problems += [("therapist", m) for m in exc.message_dict["therapist"]]
    if problems:
        return bad_request(request, problems)
    try:
        booking = online.online_booking_create(
            option=option,
            starts_at=starts_at,
            therapist=therapist,
            details=online.ClientDetails(
                name=payload.client.name, email=payload.client.email, phone=payload.client.phone
            ),
            answers=answers,
            sensitive_consents=list(payload.consents.sensitive_areas),
            general_consent=payload.consents.treatment,
            policy_accepted=payload.policy_accepted,
            idempotency_key=idempotency_key,
            requester=_requester(request),
        )
    except online.KeyReused as exc:
        detail = {"detail": exc.messages[0], "advice": [], "findings": []}
        return Status(domain_errors.http_status(exc), detail)
    except online.ScreeningRefused as exc:
        return Status(
            422, {"detail": exc.messages[0], "advice": exc.advice, "findings": exc.findings}
        )
    except online.SlotTaken as exc:
        return Status(
            409,
            {
                "detail": exc.messages[0],
                "alternatives": [_slot_out(slot) for slot in exc.alternatives],
            },
        )
    except ValidationError as exc:
        if domain_errors.http_status(exc) == 409:  # e.g. the client is busy then
            return Status(409, {"detail": " ".join(exc.messages), "alternatives": []})
        return bad_request(request, _service_errors(exc, option=option, answers=answers))
    count_action(request, "booking")
    appointment = booking.appointment
    zone = clinic_zone()
    return Status(
        201,
        {
            "reference": str(appointment.public_id),
            "start": appointment.starts_at.astimezone(zone),
            "end": appointment.ends_at.astimezone(zone),
            "therapist": {
                "id": appointment.therapist_id,
                "name": appointment.therapist.display_name,
            },
            "manage_url": booking.manage_url,
            "needs_clearance": appointment.needs_clearance,
        },
    )
