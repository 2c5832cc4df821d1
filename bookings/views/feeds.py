"""Private iCalendar feed per therapist, at a secret URL that the therapist can reset.

The feed goes to third-party calendar services, so it carries no health information and,
by default, only the client's initials (CALENDAR_FEED_FULL_NAMES turns full names on).
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from bookings.selectors.workspace import upcoming_for_feed
from clinic.models import Therapist


def feed_summary(appointment) -> str:
    client = appointment.client
    who = client.full_name if settings.CALENDAR_FEED_FULL_NAMES else client.initials
    return f"{appointment.treatment_type.name} · {who}"


def therapist_calendar(therapist: Therapist, *, now) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Therapist calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{therapist.display_name} · {settings.CLINIC_NAME}")
    calendar.add("x-published-ttl", "PT15M")
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "clinic"
    for appointment in upcoming_for_feed(therapist, now=now):
        event = Event()
        event.add("uid", f"{appointment.public_id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("summary", feed_summary(appointment))
        event.add("status", "CONFIRMED")
        if appointment.room_id:
            event.add("location", appointment.room.name)
        calendar.add_component(event)
    return calendar.to_ical()


@require_GET
def therapist_feed(request: HttpRequest, token: UUID) -> HttpResponse:
    therapist = Therapist.objects.filter(calendar_token=token, active=True).first()
    if therapist is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        therapist_calendar(therapist, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


