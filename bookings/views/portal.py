"""The client portal: sign in with a one-time emailed link, see your own bookings.

A portal sign-in is not a staff login: the session holds only the client's id under
`PORTAL_SESSION_KEY`, and no Django user is authenticated. Opening a link (GET) only
checks it; the sign-in itself is a POST, so mail scanners that prefetch links cannot use
them up.
"""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.portal_session import PORTAL_SESSION_KEY, portal_client
from bookings.selectors.plans import client_plans, measures_due
from bookings.selectors.portal import client_appointment, portal_appointments, portal_home_care
from bookings.services import portal as service
from bookings.views.manage import cancel_page, move_page
from clinic.ratelimit import count_action, rate_limited


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={"required": service.EMAIL_INVALID, "invalid": service.EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("portal-link")
def portal_start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and portal_client(request) is not None:
        return redirect("bookings:portal_home")
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.portal_link_request(email=form.cleaned_data["email"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Counted and answered the same whether or not the address is a client's.
            count_action(request, "portal-link")
            return redirect("bookings:portal_sent")
    return render(request, "bookings/portal/start.html", {"form": form})


@never_cache
def portal_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bookings/portal/sent.html",
        {"minutes": int(service.LINK_LIFETIME.total_seconds() // 60)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def portal_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            client = service.portal_link_redeem(token=token)
        else:
            service.portal_link_check(token=token)
            return render(request, "bookings/portal/sign_in.html", {"token": token})
    except ValidationError as exc:
        return render(
            request, "bookings/portal/link_invalid.html", {"message": exc.messages[0]}, status=410
        )
    # A fresh session key on sign-in: a session id planted before cannot ride along.
    request.session.cycle_key()
    request.session[PORTAL_SESSION_KEY] = client.pk
    return redirect("bookings:portal_home")


@never_cache
def portal_home(request: HttpRequest) -> HttpResponse:
    client = portal_client(request)
    if client is None:
        return redirect("bookings:portal")
    now = timezone.now()
    appointments = portal_appointments(client=client, now=now)
    return render(
        request,
        "bookings/portal/home.html",
        {
            "client": client,
            "upcoming": appointments.upcoming,
            "past": appointments.past,
            "cancelled": appointments.cancelled,
            "home_care": list(portal_home_care(client=client)),
            "measures_due": measures_due(client=client, now=now),
            "plans": client_plans(client=client),
        },
    )


def _own_appointment_page(request: HttpRequest, public_id: UUID, page) -> HttpResponse:
    client = portal_client(request)
    if client is None:
        return redirect("bookings:portal")
    appointment = client_appointment(client=client, public_id=public_id)
    if appointment is None:
        return render(request, "bookings/public/manage_missing.html", status=404)
    return page(request, appointment, back_url=reverse("bookings:portal_home"))


@never_cache
@rate_limited("manage")
def portal_cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Cancel one of the signed-in client's appointments, online or staff booked."""
    return _own_appointment_page(request, public_id, cancel_page)


@never_cache
@rate_limited("manage")
def portal_move(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Move one of the signed-in client's appointments, online or staff booked."""
    return _own_appointment_page(request, public_id, move_page)


@require_POST
def portal_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(PORTAL_SESSION_KEY, None)
    request.session.cycle_key()
    return redirect("bookings:portal")
