"""Where a booked appointment goes after booking: the client's own calendar and a map.

The links are followed in the client's browser and land at third parties (Google,
Microsoft, OpenStreetMap), so they carry what, when and where only: the treatment's name,
the clinic, the times in UTC and the clinic's address. Never a health answer, and never the
manage link's secret token (only the .ics file, downloaded from the clinic itself, holds it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from bookings.models import Appointment

GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"
OPENSTREETMAP_SEARCH = "https://www.openstreetmap.org/search"


def event_title(appointment: Appointment) -> str:
    """The calendar entry's title everywhere (email .ics, download, Google, Outlook)."""
    return f"{appointment.treatment_type.name} at {settings.CLINIC_NAME}"


def _details() -> str:
    return f"To move or cancel, sign in to your bookings: {settings.SITE_URL}{reverse('bookings:portal')}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def google_calendar_url(appointment: Appointment) -> str:
    # Google's template wants both ends as basic ISO 8601 in UTC, joined by a slash.
    span = "/".join(_utc(t).strftime("%Y%m%dT%H%M%SZ") for t in (appointment.starts_at, appointment.ends_at))
    query = {
        "action": "TEMPLATE",
        "text": event_title(appointment),
        "dates": span,
        "location": settings.CLINIC_ADDRESS,
        "details": _details(),
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query)}"


def outlook_calendar_url(appointment: Appointment) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event_title(appointment),
        "startdt": _utc(appointment.starts_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(appointment.ends_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "location": settings.CLINIC_ADDRESS,
        "body": _details(),
    }
    return f"{OUTLOOK_CALENDAR}?{urlencode(query)}"


def map_url(address: str | None = None) -> str:
    """An OpenStreetMap search for the clinic's address: a plain link, no embedded map."""
    return f"{OPENSTREETMAP_SEARCH}?{urlencode({'query': address or settings.CLINIC_ADDRESS})}"
