from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def wait_in_words(wait: timedelta | int | float) -> str:
    """'15 minutes', '1 minute', '45 seconds', '2 hours': how long someone must wait."""
    seconds = int(wait.total_seconds() if isinstance(wait, timedelta) else wait)
    seconds = max(seconds, 1)
    for size, unit in ((3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = -(-seconds // size)  # round up: never promise less than the real wait
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
