"""The one way client-facing pages (done page, portal) write an appointment's time."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()

# "Tuesday 1 December 2026, 14:00": day spelled out so nobody misreads 1/12 as 12/1, and a
# 24-hour clock so there is no am/pm to miss.
CLIENT_TIME_FORMAT = "l j F Y, H:i"


@register.filter
def client_time(value: datetime | None) -> str:
    """The clinic's wall-clock time of an aware datetime, in the one client format."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), CLIENT_TIME_FORMAT)
