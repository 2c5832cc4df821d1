"""Every email to a client: one function per event, each building the message and queueing
it (`bookings.services.mail`, the only sender) in the transaction of the event.

Appointment emails share one builder (confirmed, moved, cancelled, reminder), each with an
.ics calendar file. Every email is plain text with an HTML alternative saying the same, and
links to the portal. Privacy: the email and the calendar file say what, when and where,
never why. No screening answer, finding, condition or note goes into either; the only
health-related sentence is the generic request to bring a doctor's note when the booking
needs clearance, which names no condition.

Each event has a key naming it, unique among all emails: an event queued twice is sent once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from bookings import rules
from bookings.calendar_links import event_title
from bookings.models import Appointment, EmailDelivery
from bookings.selectors.plans import due_for_appointment
from bookings.services.mail import email_queue
from clinic.models import Client

KINDS = {
    "confirmed": "Your appointment is booked",
    "moved": "Your appointment has moved",
    "cancelled": "Your appointment is cancelled",
    "reminder": "Reminder: your appointment",
}
UNKNOWN_KIND = "Unknown client email kind: {kind}."


def _client_message(*, subject: str, to: str, template: str, context: dict) -> EmailMultiAlternatives:
    """Plain text, with the same words in HTML as its alternative (`<template>.txt` and
    `<template>.html`, which extends `bookings/email/base.html`)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def portal_url() -> str:
    """The portal's front door (it asks for a sign-in link): every client email has it."""
    return settings.SITE_URL + reverse("bookings:portal")


def build_ics(appointment: Appointment, *, kind: str, manage_url: str | None = None,
              now: datetime | None = None) -> bytes:
    """An iCalendar file for the appointment; a cancellation is METHOD:CANCEL."""
    now = now or timezone.now()
    cancelled = kind == "cancelled"
    cal = Calendar()
    cal.add("prodid", f"-//{settings.CLINIC_NAME}//Online booking//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", str(appointment.public_id))
    event.add("dtstamp", now)
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("summary", event_title(appointment))
    event.add("location", settings.CLINIC_ADDRESS)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Calendars replace an event when its sequence grows; a later change has a larger one.
    event.add("sequence", int(now.timestamp()) // 60 - 29_000_000 if kind != "confirmed" else 0)
    if manage_url and not cancelled:
        event.add("url", manage_url)
        event.add("description", f"Change or cancel: {manage_url}")

    event.add("organizer", f"mailto:{settings.CLINIC_EMAIL}", parameters={"CN": settings.CLINIC_NAME})
    cal.add_component(event)

    return cal.to_ical()


def build_client_email(kind: str, appointment: Appointment, *, manage_url: str | None = None,
                       confirm_url: str | None = None,
                       now: datetime | None = None) -> EmailMultiAlternatives:
    """`confirm_url`: the link that confirms the details and health answers given with an
    online booking, so they can enter the client's record (see
    `bookings.services.submissions`)."""
    if kind not in KINDS:
        raise ValueError(UNKNOWN_KIND.format(kind=kind))
    policy_text = rules.accepted_policy_text(appointment)
    context = {
        "kind": kind,
        "appointment": appointment,
        "client_name": appointment.client.first_name,
        "treatment": appointment.treatment_type.name,
        "duration": appointment.duration_minutes,
        "price": appointment.price,
        "therapist": appointment.therapist.display_name,
        "starts_at": timezone.localtime(appointment.starts_at),
        "manage_url": manage_url,
        "confirm_url": confirm_url,
        "needs_clearance": appointment.needs_clearance and kind != "cancelled",
        "late_cancellation": appointment.late_cancellation,
        "policy_text": policy_text,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
        "portal_url": portal_url(),
        # One link to the portal, which lists the questions: neither the measure's name
        # (it hints at the condition) nor any answer goes into an email.
        "measures_url": settings.SITE_URL + reverse("bookings:portal_home")
        if kind == "reminder"
        and due_for_appointment(client=appointment.client, appointment=appointment, now=now)
        else None,
    }
    message = _client_message(
        subject=f"{KINDS[kind]} – {settings.CLINIC_NAME}",
        to=appointment.client.email,
        template=f"bookings/email/{kind}",
        context=context,
    )
    method = "CANCEL" if kind == "cancelled" else "PUBLISH"
    message.attach(
        "appointment.ics",
        build_ics(appointment, kind=kind, manage_url=manage_url, now=now),
        f"text/calendar; charset=utf-8; method={method}",
    )
    return message


def _appointment_email(
    kind: str,
    appointment: Appointment,
    *,
    key: str,
    manage_url: str | None = None,
    confirm_url: str | None = None,
) -> EmailDelivery | None:
    if not appointment.client.email:
        return None
    message = build_client_email(kind, appointment, manage_url=manage_url, confirm_url=confirm_url)
    return email_queue(message=message, key=key, kind=kind, appointment_id=appointment.pk)


def manage_url_for(appointment: Appointment) -> str:
    """Where the client moves or cancels the appointment themselves: the private manage
    link of an online booking, else their bookings in the portal (which first emails them
    a sign-in link). Either way `bookings.rules` decides what they may still change."""
    booking = getattr(appointment, "online_booking", None)  # None: booked by staff
    if booking is not None:
        return booking.manage_url
    return settings.SITE_URL + reverse("bookings:portal_home")


def email_booked(
    appointment: Appointment, *, manage_url: str | None = None, confirm_url: str | None = None
) -> EmailDelivery | None:
    """The confirmation of a new booking (with the link that confirms what was submitted
    online, `bookings.services.submissions`); None when the client has no email address."""
    return _appointment_email(
        "confirmed", appointment, key=f"confirmed:{appointment.public_id}",
        manage_url=manage_url, confirm_url=confirm_url,
    )


def email_moved(appointment: Appointment, *, manage_url: str | None = None) -> EmailDelivery | None:
    # Every move is its own event (moving back and forth must tell the client each time).
    return _appointment_email(
        "moved", appointment, key=f"moved:{appointment.public_id}:{uuid.uuid4().hex}",
        manage_url=manage_url,
    )


def email_cancelled(appointment: Appointment) -> EmailDelivery | None:
    # A cancellation is final, so there is one per appointment.
    return _appointment_email("cancelled", appointment, key=f"cancelled:{appointment.public_id}")


def email_reminder(appointment: Appointment, *, manage_url: str | None = None) -> EmailDelivery | None:
    key = f"reminder:{appointment.public_id}:{appointment.starts_at.isoformat()}"
    return _appointment_email("reminder", appointment, key=key, manage_url=manage_url)


def email_portal_link(
    *, client: Client, token: str, token_hash: str, minutes: int
) -> EmailDelivery:
    """The one-time portal sign-in link. Only the link and its lifetime: no appointments and
    nothing about health, since email is read on shared screens and kept by mail providers."""
    url = settings.SITE_URL + reverse("bookings:portal_sign_in", args=[token])
    message = _client_message(
        subject=f"{settings.CLINIC_NAME}: Your sign-in link",
        to=client.email,
        template="bookings/portal/email_link",
        context={
            "first_name": client.first_name,
            "client_name": client.first_name,
            "url": url,
            "minutes": minutes,
            "clinic_name": settings.CLINIC_NAME,
            "clinic_address": settings.CLINIC_ADDRESS,
            "clinic_phone": settings.CLINIC_PHONE,
        },
    )
    return email_queue(message=message, key=f"portal-link:{token_hash}", kind="portal_link")


def email_home_care(
    *, client: Client, sheets: Sequence, assignment_ids: Sequence[int], appointment_id: int | None
) -> EmailDelivery:
    """Home-care sheets given at a session: the sheets only, no note text, no findings."""
    message = _client_message(
        subject=f"Your home-care exercises from {settings.CLINIC_NAME}",
        to=client.email,
        template="bookings/notes/home_care_email",
        context={
            "client_first_name": client.first_name,
            "client_name": client.first_name,
            "sheets": sheets,
            "clinic_name": settings.CLINIC_NAME,
            "clinic_address": settings.CLINIC_ADDRESS,
            "clinic_phone": settings.CLINIC_PHONE,
            "portal_url": portal_url(),
        },
    )
    key = "home-care:" + ",".join(str(pk) for pk in sorted(assignment_ids))
    return email_queue(message=message, key=key, kind="home_care", appointment_id=appointment_id)
