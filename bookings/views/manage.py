"""Self-service through the private manage link: view, cancel, move.

The token in the URL is the only credential, so an unknown token gets the same plain
404 page whatever it looks like, and nothing clinical is ever shown here.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bookings import rules
from bookings.emails import build_ics
from bookings.models import AppointmentStatus, OnlineBooking
from bookings.online_forms import MoveForm
from bookings.selectors.online import online_booking_for_token
from bookings.services.online import (
    SlotTaken,
    online_booking_cancel,
    online_booking_move,
)
from bookings.views.public import _parse_start, slot_page_context
from clinic.ratelimit import count_action, rate_limited

CANCELLED = "Your appointment is cancelled. We have sent you an email."
MOVED = "Your appointment has moved. We have sent you an email with the new time."
NOT_CHANGEABLE = "This appointment can no longer be changed online; please call us."


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/public/manage_missing.html", status=404)


def _changeable(booking: OnlineBooking) -> bool:
    return rules.client_may_change(booking.appointment, now=timezone.now())


def _context(booking: OnlineBooking) -> dict:
    appointment = booking.appointment
    return {
        "booking": booking,
        "appointment": appointment,
        "token": booking.manage_token,
        "starts_at": timezone.localtime(appointment.starts_at),
        "changeable": _changeable(booking),
        "late": _changeable(booking)
        and rules.cancellation_is_late(appointment, now=timezone.now()),
    }


@rate_limited("manage")
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = online_booking_for_token(token)
    if booking is None:
        return _missing(request)
    return render(request, "bookings/public/manage.html", _context(booking))


@require_GET
def calendar_file(request: HttpRequest, token: str) -> HttpResponse:
    """The booking as an .ics file (Apple Calendar and any other), the same file the
    confirmation email carries; a cancelled booking downloads as a cancellation."""
    booking = online_booking_for_token(token)
    if booking is None:
        return _missing(request)
    appointment = booking.appointment
    kind = "cancelled" if appointment.status == AppointmentStatus.CANCELLED else "confirmed"
    response = HttpResponse(
        build_ics(appointment, kind=kind, manage_url=booking.manage_url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@rate_limited("manage")
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = online_booking_for_token(token)
    if booking is None:
        return _missing(request)
    if not _changeable(booking):
        messages.error(request, NOT_CHANGEABLE)
        return redirect("bookings:manage", token)
    if request.method == "POST":
        try:
            online_booking_cancel(booking=booking)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            count_action(request, "manage")
            messages.success(request, CANCELLED)
        return redirect("bookings:manage", token)
    return render(request, "bookings/public/manage_cancel.html", _context(booking))


@rate_limited("manage")
def move(request: HttpRequest, token: str) -> HttpResponse:
    booking = online_booking_for_token(token)
    if booking is None:
        return _missing(request)
    if not _changeable(booking):
        messages.error(request, NOT_CHANGEABLE)
        return redirect("bookings:manage", token)
    appointment = booking.appointment
    therapist = appointment.therapist if booking.therapist_chosen else None
    day_param = request.POST.get("day") if request.method == "POST" else request.GET.get("day")
    context = _context(booking)
    context.update(
        slot_page_context(option=appointment.option, therapist=therapist, day_param=day_param, now=timezone.now())
    )
    error = None
    if request.method == "POST":
        form = MoveForm(request.POST, starts=context["starts"])
        if form.is_valid():
            try:
                online_booking_move(booking=booking, starts_at=_parse_start(form.cleaned_data["start"]))
            except SlotTaken as taken:
                error = taken.messages[0]
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                count_action(request, "manage")
                messages.success(request, MOVED)
                return redirect("bookings:manage", token)
    else:
        form = MoveForm(starts=context["starts"])
    context.update({"form": form, "error": error, "option": appointment.option, "therapist": therapist})
    status = 409 if error else 400 if context["day_error"] else 200
    return render(request, "bookings/public/manage_move.html", context, status=status)
