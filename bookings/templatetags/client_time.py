"""The one way anything a client reads writes an appointment's time: the done page, the
manage pages, the portal, every email and the messages that name another appointment."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()

# "Tuesday 1 December 2026 at 2:00 p.m.": the day spelled out so nobody misreads 1/12 as
# 12/1, and the clock the booking pages offer the times in (the times a client picks from
# read the same as the time they are later told).
CLIENT_TIME_FORMAT = r"l j F Y \a\t g:i a"


@register.filter
def client_time(value: datetime | None) -> str:
    """The clinic's wall-clock time of an aware datetime, in the one client format."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), CLIENT_TIME_FORMAT)
