"""Per-IP rate limits on the shared cache (Redis when REDIS_URL is set, so every app
process counts together; process memory otherwise).

A fixed window per rate: `10/m` allows ten requests per IP in each clock minute. The limit
is the setting BOOKING_RATE_LIMIT; an empty setting turns limiting off (load tests).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TOO_MANY = "Too many requests from your connection. Please wait a minute and try again."


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
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites
    # it; behind such a proxy, have it set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str, rate: str | None = None, *, now: float | None = None) -> bool:
    """Count one request for `key` in `scope`; True when it is over the limit."""
    parsed = parse_rate(settings.BOOKING_RATE_LIMIT if rate is None else rate)
    if parsed is None:
        return False
    limit, period = parsed
    window = int((time.time() if now is None else now) // period)
    cache_key = f"ratelimit:{scope}:{key}:{period}:{window}"
    # add() then incr() is atomic on Redis and under the locmem lock: no lost updates.
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period + 1)
        count = 1
    return count > limit


def too_many_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": TOO_MANY}, status=429)
    else:
        response = HttpResponse(
            render_to_string("429.html", {"message": TOO_MANY}, request=request), status=429
        )
    response["Retry-After"] = "60"
    return response


def rate_limited(scope: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """View decorator: answer 429 once an IP passes BOOKING_RATE_LIMIT for `scope`."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method in methods and hit(scope, client_ip(request)):
                return too_many_response(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
