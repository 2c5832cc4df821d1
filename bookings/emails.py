"""Client emails about an appointment, each with an .ics calendar file.

One function builds and sends every kind (confirmed, moved, cancelled, reminder), so
reminders reuse it. Privacy: the email and the calendar file say what, when and where,
never why. No screening answer, finding, condition or note goes into either; the only
health-related sentence is the generic request to bring a doctor's note when the booking
needs clearance, which names no condition.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.models import Appointment, BookingPolicy
from bookings.selectors.plans import due_for_appointment

KINDS = {
    "confirmed": "Your appointment is booked",
    "moved": "Your appointment has moved",
    "cancelled": "Your appointment is cancelled",
    "reminder": "Reminder: your appointment",
}
UNKNOWN_KIND = "Unknown client email kind: {kind}."


def _summary(appointment: Appointment) -> str:
    return f"{appointment.treatment_type.name} at {settings.CLINIC_NAME}"


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
    event.add("summary", _summary(appointment))
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
    online = getattr(appointment, "online_booking", None)
    policy_text = online.policy_text if online else BookingPolicy.current().cancellation_policy_text
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
        # One link to the portal, which lists the questions: neither the measure's name
        # (it hints at the condition) nor any answer goes into an email.
        "measures_url": settings.SITE_URL + reverse("bookings:portal_home")
        if kind == "reminder"
        and due_for_appointment(client=appointment.client, appointment=appointment, now=now)
        else None,
    }
    body = render_to_string(f"bookings/email/{kind}.txt", context)
    message = EmailMultiAlternatives(
        subject=f"{KINDS[kind]} – {settings.CLINIC_NAME}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[appointment.client.email],
    )
    method = "CANCEL" if kind == "cancelled" else "PUBLISH"
    message.attach(
        "appointment.ics",
        build_ics(appointment, kind=kind, manage_url=manage_url, now=now),
        f"text/calendar; charset=utf-8; method={method}",
    )
    return message


def send_client_email(kind: str, appointment: Appointment, *, manage_url: str | None = None,
                      confirm_url: str | None = None) -> bool:
    """Build and send one client email; False when the client has no email address."""
    if not appointment.client.email:
        return False
    build_client_email(kind, appointment, manage_url=manage_url, confirm_url=confirm_url).send()
    return True


def manage_url_for(appointment: Appointment) -> str | None:
    """The client's private manage link when the appointment was booked online."""
    try:
        return appointment.online_booking.manage_url
    except ObjectDoesNotExist:
        return None


def _send_for(kind: str, appointment_id: int, *, confirm_url: str | None = None) -> bool:
    appointment = Appointment.objects.select_related(
        "client", "therapist", "treatment_type", "online_booking"
    ).get(pk=appointment_id)
    manage_url = manage_url_for(appointment) if kind != "cancelled" else None
    return send_client_email(kind, appointment, manage_url=manage_url, confirm_url=confirm_url)


# One function per event, each the only place that event's email is sent from (the
# services call them on commit), so delivery can be rerouted in one place.


def send_booking_confirmed(appointment_id: int, *, confirm_url: str | None = None) -> bool:
    """The client's confirmation of a new booking, with its calendar file (and the link
    that confirms the details given with it, `confirm_url`)."""
    return _send_for("confirmed", appointment_id, confirm_url=confirm_url)


def send_appointment_moved(appointment_id: int) -> bool:
    """Tell the client their appointment moved (online or by the clinic), with the
    updated calendar file."""
    return _send_for("moved", appointment_id)


def send_appointment_cancelled(appointment_id: int) -> bool:
    """Tell the client their appointment is cancelled (by them or by the clinic), with a
    calendar cancellation."""
    return _send_for("cancelled", appointment_id)
