"""Per-IP limits on what costs the clinic something: bookings made and emails sent.

Counts live in the shared cache (Redis when REDIS_URL is set, so every app process counts
together; process memory otherwise), in a fixed window per rate: `10/m` allows ten counted
actions per IP in each clock minute. The limit is the setting BOOKING_RATE_LIMIT; an empty
setting turns limiting off (load tests).

A form posted with mistakes costs nothing and is not counted: a view counts an action
(`count_action`) only once it has booked, moved, cancelled or sent an email. Every POST to a
limited view is refused while its address is at the limit (`rate_limited`).

When the cache cannot be reached the limit is skipped with a warning: a Redis outage must
not stop people booking (an unlimited minute is a smaller harm than a clinic that cannot
take bookings).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from clinic.templatetags.clinic_text import wait_in_words

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TOO_MANY = "We have had a lot of bookings or emails from your connection just now."
TRY_AGAIN = "Please try again in {wait}, or call us on {phone}."


def parse_rate(rate: str) -> tuple[int, int] | None:
    """'10/m' -> (10, 60). Empty means no limit. Raises ValueError on nonsense."""
    rate = (rate or "").strip()
    if not rate:
        return None
    count, _, unit = rate.partition("/")
    if not count.isdigit() or unit not in PERIODS or int(count) < 1:
        raise ValueError(f"A rate looks like 10/m (N per s, m, h or d), not {rate!r}.")
    return int(count), PERIODS[unit]


def client_ip(request: HttpRequest) -> str:
    """The client's address, read as the sign-in lockout reads it (TRUSTED_PROXY_COUNT)."""
    return get_client_ip_address(request) or "unknown"


def _window(scope: str, key: str, rate: str | None, now: float | None):
    parsed = parse_rate(settings.BOOKING_RATE_LIMIT if rate is None else rate)
    if parsed is None:
        return None
    limit, period = parsed
    moment = time.time() if now is None else now
    window = int(moment // period)
    retry_after = max(1, int(period - (moment % period)))
    return f"ratelimit:{scope}:{key}:{period}:{window}", limit, period, retry_after


def retry_after(scope: str, key: str, rate: str | None = None, *, now: float | None = None) -> int | None:
    """Seconds until `key` may act again in `scope`, or None when it is under the limit."""
    window = _window(scope, key, rate, now)
    if window is None:
        return None
    cache_key, limit, _, wait = window
    try:
        count = cache.get(cache_key, 0)
    except Exception as exc:  # any cache backend's connection error
        logger.warning("Rate limit %s skipped: the cache is unavailable (%s)", scope, type(exc).__name__)
        return None
    return wait if count >= limit else None


def record(scope: str, key: str, rate: str | None = None, *, now: float | None = None) -> None:
    """Count one action (a booking made, an email sent) for `key` in `scope`."""
    window = _window(scope, key, rate, now)
    if window is None:
        return
    cache_key, _, period, _ = window
    try:
        # add() then incr() is atomic on Redis and under the locmem lock: no lost updates.
        cache.add(cache_key, 0, timeout=period + 1)
        try:
            cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=period + 1)
    except Exception as exc:  # any cache backend's connection error
        logger.warning("Rate limit %s not counted: the cache is unavailable (%s)", scope, type(exc).__name__)


def count_action(request: HttpRequest, scope: str) -> None:
    """Count one booking made or email sent from this request's address."""
    record(scope, client_ip(request))


def too_many_response(request: HttpRequest, wait: int) -> HttpResponse:
    advice = TRY_AGAIN.format(wait=wait_in_words(wait), phone=settings.CLINIC_PHONE)
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": f"{TOO_MANY} {advice}"}, status=429)
    else:
        response = HttpResponse(
            render_to_string("429.html", {"message": TOO_MANY, "wait": wait}, request=request),
            status=429,
        )
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """View decorator: refuse a POST while its address is at BOOKING_RATE_LIMIT in `scope`.

    The view itself calls `count_action` once it has done something that counts.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method in methods:
                wait = retry_after(scope, client_ip(request))
                if wait is not None:
                    return too_many_response(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
