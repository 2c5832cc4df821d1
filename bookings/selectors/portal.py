"""What a signed-in portal client may see: their own appointments and home-care sheets.

Every query here filters on the client first; nothing takes an id from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings import rules
from bookings.models import Appointment
from clinic.models import Client


def _has_online_bookings() -> bool:
    # The online-booking capability adds the reverse relation; without it there are no
    # manage links to show.
    return any(
        getattr(f, "related_name", None) == "online_booking"
        for f in Appointment._meta.related_objects
    )


@dataclass(frozen=True)
class PortalAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]


def portal_appointments(*, client: Client, now: datetime | None = None) -> PortalAppointments:
    """The client's appointments, upcoming (soonest first) and past (latest first).

    Upcoming online bookings that can still change carry `manage_url`, their private
    manage link; every other appointment has `manage_url = None`.
    """
    now = now or timezone.now()
    related = ["treatment_type", "therapist"]
    online = _has_online_bookings()
    if online:
        related.append("online_booking")
    rows = list(
        Appointment.objects.filter(client=client).select_related(*related).order_by("starts_at")
    )
    for appointment in rows:
        booking = getattr(appointment, "online_booking", None) if online else None
        changeable = rules.client_may_change(appointment, now=now)
        appointment.manage_url = booking.manage_url if booking and changeable else None
    upcoming = [a for a in rows if a.ends_at > now]
    past = [a for a in reversed(rows) if a.ends_at <= now]
    return PortalAppointments(upcoming=upcoming, past=past)


def portal_home_care(*, client: Client) -> QuerySet | list:
    """Home-care sheets given to the client in a session that was sent or signed off.

    Draft notes can still change their sheets, so only sent or signed ones are shown.
    """
    try:
        model = apps.get_model("bookings", "HomeCareAssignment")
    except LookupError:  # the session-notes capability is not installed
        return []
    return (
        model.objects.filter(client=client)
        .filter(Q(sent_at__isnull=False) | Q(note__status="signed"))
        .select_related("sheet", "note__appointment")
        .order_by("-created_at")
    )
