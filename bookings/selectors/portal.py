"""What a signed-in portal client may see: their own appointments and home-care sheets.

Every query here filters on the client first; nothing takes an id from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings import rules
from bookings.models import Appointment, AppointmentStatus, HomeCareAssignment
from clinic.models import Client


@dataclass(frozen=True)
class PortalAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]
    cancelled: list[Appointment]


def portal_appointments(*, client: Client, now: datetime | None = None) -> PortalAppointments:
    """The client's appointments: upcoming (soonest first), past (latest first) and
    cancelled (latest first). A cancelled appointment is only ever in `cancelled`, so it is
    never shown as one to come.

    Each carries `client_may_change`: whether the client may still move or cancel it
    themselves (`rules.client_may_change`), however it was booked.
    """
    now = now or timezone.now()
    rows = list(
        Appointment.objects.filter(client=client)
        .select_related("treatment_type", "therapist")
        .order_by("starts_at")
    )
    for appointment in rows:
        appointment.client_may_change = rules.client_may_change(appointment, now=now)
    kept = [a for a in rows if a.status != AppointmentStatus.CANCELLED]
    upcoming = [a for a in kept if a.ends_at > now]
    past = [a for a in reversed(kept) if a.ends_at <= now]
    cancelled = [a for a in reversed(rows) if a.status == AppointmentStatus.CANCELLED]
    return PortalAppointments(upcoming=upcoming, past=past, cancelled=cancelled)


def client_appointment(*, client: Client, public_id: UUID) -> Appointment | None:
    """One of the client's own appointments, with what the move and cancel pages show;
    None for anyone else's (the caller answers as for an unknown one)."""
    return (
        Appointment.objects.filter(client=client, public_id=public_id)
        .select_related("treatment_type", "therapist", "option__treatment_type", "client")
        .first()
    )


def portal_home_care(*, client: Client) -> QuerySet[HomeCareAssignment]:
    """Home-care sheets given to the client in a session that was sent or signed off.

    Draft notes can still change their sheets, so only sent or signed ones are shown.
    """
    return (
        HomeCareAssignment.objects.filter(client=client)
        .filter(Q(sent_at__isnull=False) | Q(note__status="signed"))
        .select_related("sheet", "note__appointment")
        .order_by("-created_at")
    )
