"""Self-service: a client views, cancels or moves their own appointment.

Two ways in, one set of pages: the private manage link of an online booking (the token in
the URL is the only credential, so an unknown token gets the same plain 404 page whatever
it looks like) and the signed-in portal, which reaches every appointment of the client,
staff bookings included. `bookings.rules` decides what the client may still change, and
nothing clinical is ever shown here.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from bookings import rules
from bookings.emails import build_ics
from bookings.models import Appointment, AppointmentStatus
from bookings.online_forms import MoveForm
from bookings.selectors.online import online_booking_for_token
from bookings.services.online import SlotTaken, client_cancel, client_move
from bookings.views.public import _parse_start, slot_page_context
from clinic.ratelimit import count_action, rate_limited

CANCELLED = "Your appointment is cancelled. We have sent you an email."
MOVED = "Your appointment has moved. We have sent you an email with the new time."
NOT_CHANGEABLE = "This appointment can no longer be changed online; please call us."


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/public/manage_missing.html", status=404)


def _context(appointment: Appointment, *, back_url: str, now: datetime) -> dict:
    changeable = rules.client_may_change(appointment, now=now)
    return {
        "appointment": appointment,
        "starts_at": appointment.starts_at,
        "back_url": back_url,
        "changeable": changeable,
        "late": changeable and rules.cancellation_is_late(appointment, now=now),
        "window_hours": int(appointment.cancellation_window.total_seconds()) // 3600,
        "policy_text": rules.accepted_policy_text(appointment),
    }


def cancel_page(request: HttpRequest, appointment: Appointment, *, back_url: str) -> HttpResponse:
    """Ask, then cancel; back to `back_url` (the manage page or the portal) with the outcome."""
    now = timezone.now()
    if not rules.client_may_change(appointment, now=now):
        messages.error(request, NOT_CHANGEABLE)
        return redirect(back_url)
    if request.method == "POST":
        try:
            client_cancel(appointment=appointment, now=now)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            count_action(request, "manage")
            messages.success(request, CANCELLED)
        return redirect(back_url)
    return render(
        request,
        "bookings/public/manage_cancel.html",
        _context(appointment, back_url=back_url, now=now),
    )


def move_page(request: HttpRequest, appointment: Appointment, *, back_url: str) -> HttpResponse:
    """The free times for the same treatment and therapist; moves on POST and goes back to
    `back_url`, or says why not and offers the nearest free times."""
    now = timezone.now()
    if not rules.client_may_change(appointment, now=now):
        messages.error(request, NOT_CHANGEABLE)
        return redirect(back_url)
    therapist = rules.therapist_kept_on_move(appointment)
    day_param = request.POST.get("day") if request.method == "POST" else request.GET.get("day")
    context = _context(appointment, back_url=back_url, now=now)
    context.update(
        slot_page_context(
            option=appointment.option, therapist=therapist, day_param=day_param, now=now
        )
    )
    error = None
    if request.method == "POST":
        form = MoveForm(request.POST, starts=context["starts"])
        if form.is_valid():
            try:
                client_move(
                    appointment=appointment, starts_at=_parse_start(form.cleaned_data["start"])
                )
            except SlotTaken as taken:
                error = taken.messages[0]
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                count_action(request, "manage")
                messages.success(request, MOVED)
                return redirect(back_url)
    else:
        form = MoveForm(starts=context["starts"])
    context.update(
        {"form": form, "error": error, "option": appointment.option, "therapist": therapist}
    )
    status = 409 if error else 400 if context["day_error"] else 200
    return render(request, "bookings/public/manage_move.html", context, status=status)


@rate_limited("manage")
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = online_booking_for_token(token)
    if booking is None:
        return _missing(request)
    context = _context(booking.appointment, back_url=request.path, now=timezone.now())
    context["token"] = token
    return render(request, "bookings/public/manage.html", context)


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
    return cancel_page(
        request, booking.appointment, back_url=reverse("bookings:manage", args=[token])
    )


@rate_limited("manage")
def move(request: HttpRequest, token: str) -> HttpResponse:
    booking = online_booking_for_token(token)
    if booking is None:
        return _missing(request)
    return move_page(
        request, booking.appointment, back_url=reverse("bookings:manage", args=[token])
    )
