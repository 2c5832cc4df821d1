"""The staff calendar's JSON endpoints, under /api/staff/ in the same OpenAPI document.

Signed-in staff only (the admin's session cookie, with its CSRF token on writes). Each
endpoint checks the model permission the admin would check, and every write goes through
the booking service, so the calendar obeys exactly the rules of the admin, the public site
and the API. Refusals answer 409 with the service's own sentence; the browser puts the
block back and shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from bookings import errors
from bookings.models import Appointment, AppointmentSource
from bookings.selectors.calendar import (
    MAX_RANGE_DAYS,
    ROOMS,
    THERAPISTS,
    calendar_range,
    floating,
    from_floating,
    staff_starts,
)
from bookings.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from clinic.models import Client, Room, Therapist
from treatments.models import TreatmentOption

router = Router(auth=django_auth, tags=["staff calendar"])

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]

NOT_ALLOWED = "Your role cannot do this."
RANGE_BACKWARDS = "The end must be after the start."
RANGE_TOO_LONG = f"Ask for at most {MAX_RANGE_DAYS} days at a time."
BAD_TIME = "Give the time as YYYY-MM-DDTHH:MM in the clinic's time zone."
UNKNOWN_OPTION = "There is no such treatment option."
UNKNOWN_APPOINTMENT = "There is no such appointment."
UNKNOWN_CLIENT = "There is no such client."
UNKNOWN_THERAPIST = "There is no such therapist."
UNKNOWN_ROOM = "There is no such room."
CLIENT_NEEDED = "Choose a client, or enter a new client's name."
NEW_CLIENT_NOT_ALLOWED = "Your role cannot add clients."
QUERY_TOO_SHORT = "Type at least two letters or digits."


class Detail(Schema):
    detail: str


class CalendarOut(Schema):
    timezone: str = Field(description="The clinic's IANA time zone; event times are wall-clock times in it.")
    resources: list[dict]
    events: list[dict]


class StartOut(Schema):
    start: str = Field(description="Clinic wall-clock time, YYYY-MM-DDTHH:MM.")
    end: str
    therapist_id: int
    therapist: str


class StartsOut(Schema):
    starts: list[StartOut]


class ClientOut(Schema):
    id: int
    name: str
    phone: str
    email: str


class NewClientIn(Schema):
    first_name: str = Field(min_length=1, max_length=160)
    last_name: str = Field(default="", max_length=160)
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)


class BookIn(Schema):
    client: Id | None = None
    new_client: NewClientIn | None = None
    option: Id
    therapist: Id | None = None
    room: Id | None = None
    start: str = Field(max_length=40, description="Clinic wall-clock time, YYYY-MM-DDTHH:MM.")


class MoveIn(Schema):
    start: str = Field(max_length=40)
    therapist: Id | None = None


class StatusIn(Schema):
    to_status: Literal["confirmed", "checked_in", "completed", "no_show"]
    today: dict[str, Literal["yes", "no"]] = Field(
        default_factory=dict,
        description=(
            "Checking in: the client's answers, asked now, to the questions about the day of "
            "the visit (catalogue code -> yes/no, e.g. ci-fever). Check-in is refused until "
            "they are answered for this visit."
        ),
    )


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=240)
    by_client: bool = False


class AppointmentOut(Schema):
    id: int
    start: str
    end: str
    therapist_id: int
    status: str
    status_label: str


class StaffError(Exception):
    """A refusal with its HTTP status and sentence; the API answers it as {"detail": ...}."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _require(request: HttpRequest, perm: str) -> None:
    if not (request.user.is_staff and request.user.has_perm(perm)):
        raise StaffError(403, NOT_ALLOWED)


def _time(raw: str) -> dt.datetime:
    if "\x00" in raw:
        raise StaffError(400, BAD_TIME)
    try:
        return from_floating(raw)
    except ValueError:
        raise StaffError(400, BAD_TIME) from None


def _refused(exc: ValidationError) -> Status:
    """A service's refusal, with the status its code routes to (bookings.errors): 403 when
    the user may not make the change, 409 when the diary or the appointment forbids it."""
    return Status(errors.http_status(exc), {"detail": " ".join(exc.messages)})


def _out(a: Appointment) -> dict:
    return {
        "id": a.pk,
        "start": floating(a.starts_at),
        "end": floating(a.ends_at),
        "therapist_id": a.therapist_id,
        "status": a.status,
        "status_label": a.get_status_display(),
    }


def _appointment(pk: int) -> Appointment:
    try:
        return Appointment.objects.select_related("client", "treatment_type", "option").get(pk=pk)
    except Appointment.DoesNotExist:
        raise StaffError(404, UNKNOWN_APPOINTMENT) from None


@router.get(
    "/calendar",
    response={200: CalendarOut, 400: Detail, 403: Detail},
    summary="Calendar resources and events",
    description="Appointments, working hours, time off and closures for local dates "
    f"[start, end), at most {MAX_RANGE_DAYS} days; a column per therapist or per room.",
)
def calendar(
    request: HttpRequest,
    start: dt.date,
    end: dt.date,
    view: Literal["therapists", "rooms"] = THERAPISTS,
):
    _require(request, "bookings.view_appointment")
    if end <= start:
        raise StaffError(400, RANGE_BACKWARDS)
    if (end - start).days > MAX_RANGE_DAYS:
        raise StaffError(400, RANGE_TOO_LONG)
    return calendar_range(start, end, view=ROOMS if view == ROOMS else THERAPISTS, user=request.user)


@router.get(
    "/starts",
    response={200: StartsOut, 400: Detail, 403: Detail},
    summary="Start times staff may book",
    description="Free start times for a treatment option on one local date, from the same "
    "rules the booking service applies; `appointment` leaves that appointment's own time free "
    "(for moving it).",
)
def starts(
    request: HttpRequest,
    option: Annotated[int, Query(ge=1, le=2**31 - 1)],
    date: dt.date,
    therapist: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    appointment: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    _require(request, "bookings.view_appointment")
    chosen = TreatmentOption.objects.select_related("treatment_type").filter(pk=option).first()
    if chosen is None:
        raise StaffError(400, UNKNOWN_OPTION)
    slots = staff_starts(option=chosen, day=date, therapist_id=therapist, exclude_appointment_id=appointment)
    return {
        "starts": [
            {
                "start": floating(s.start),
                "end": floating(s.end),
                "therapist_id": s.therapist_id,
                "therapist": s.therapist_name,
            }
            for s in slots
        ]
    }


@router.get(
    "/clients",
    response={200: list[ClientOut], 400: Detail, 403: Detail},
    summary="Find a client by name, phone or email",
)
def clients(request: HttpRequest, q: Annotated[str, Query(max_length=80)]):
    _require(request, "clinic.view_client")
    text = q.replace("\x00", "").strip()
    if len(text) < 2:
        raise StaffError(400, QUERY_TOO_SHORT)
    match = Q()
    for word in text.split()[:4]:
        match &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return [
        {"id": c.pk, "name": c.full_name, "phone": c.phone, "email": c.email}
        for c in Client.objects.filter(match).order_by("last_name", "first_name", "pk")[:10]
    ]


@router.post(
    "/appointments",
    response={201: AppointmentOut, 400: Detail, 403: Detail, 409: Detail},
    summary="Book an appointment from the calendar",
)
def book(request: HttpRequest, payload: BookIn):
    _require(request, "bookings.add_appointment")
    starts_at = _time(payload.start)
    option = TreatmentOption.objects.select_related("treatment_type").filter(pk=payload.option).first()
    if option is None:
        raise StaffError(400, UNKNOWN_OPTION)
    therapist = None
    if payload.therapist is not None:
        therapist = Therapist.objects.filter(pk=payload.therapist).first()
        if therapist is None:
            raise StaffError(400, UNKNOWN_THERAPIST)
    room = None
    if payload.room is not None:
        room = Room.objects.filter(pk=payload.room).first()
        if room is None:
            raise StaffError(400, UNKNOWN_ROOM)
    try:
        with transaction.atomic():
            if payload.client is not None:
                client = Client.objects.filter(pk=payload.client).first()
                if client is None:
                    raise StaffError(400, UNKNOWN_CLIENT)
            elif payload.new_client is not None:
                if not request.user.has_perm("clinic.add_client"):
                    raise StaffError(403, NEW_CLIENT_NOT_ALLOWED)
                client = Client(**payload.new_client.dict())
                client.full_clean()
                client.save()
            else:
                raise StaffError(400, CLIENT_NEEDED)
            appointment = appointment_book(
                client=client,
                option=option,
                starts_at=starts_at,
                source=AppointmentSource.STAFF,
                therapist=therapist,
                room=room,
                by=request.user,
            )
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _out(appointment))


@router.post(
    "/appointments/{appointment_id}/move",
    response={200: AppointmentOut, 400: Detail, 403: Detail, 404: Detail, 409: Detail},
    summary="Move an appointment (drag and drop)",
)
def move(request: HttpRequest, appointment_id: Id, payload: MoveIn):
    _require(request, "bookings.change_appointment")
    appointment = _appointment(appointment_id)
    starts_at = _time(payload.start)
    therapist = None
    if payload.therapist is not None:
        therapist = Therapist.objects.filter(pk=payload.therapist).first()
        if therapist is None:
            raise StaffError(400, UNKNOWN_THERAPIST)
    try:
        moved = appointment_reschedule(
            appointment=appointment, starts_at=starts_at, therapist=therapist, by_staff=True,
            by=request.user,
        )
    except ValidationError as exc:
        return _refused(exc)
    return Status(200, _out(moved))


@router.post(
    "/appointments/{appointment_id}/status",
    response={200: AppointmentOut, 403: Detail, 404: Detail, 409: Detail},
    summary="Confirm, check in, complete or mark a no-show",
)
def set_status(request: HttpRequest, appointment_id: Id, payload: StatusIn):
    _require(request, "bookings.change_appointment")
    appointment = _appointment(appointment_id)
    try:
        changed = appointment_set_status(
            appointment=appointment, from_status=appointment.status, to_status=payload.to_status,
            by=request.user, today_answers=payload.today or None,
        )
    except ValidationError as exc:
        return _refused(exc)
    return Status(200, _out(changed))


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, 403: Detail, 404: Detail, 409: Detail},
    summary="Cancel an appointment with a reason",
)
def cancel(request: HttpRequest, appointment_id: Id, payload: CancelIn):
    _require(request, "bookings.change_appointment")
    appointment = _appointment(appointment_id)
    try:
        cancelled = appointment_cancel(
            appointment=appointment, reason=payload.reason, by_client=payload.by_client,
            by=request.user,
        )
    except ValidationError as exc:
        return _refused(exc)
    return Status(200, _out(cancelled))

