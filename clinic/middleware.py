"""Response headers every page gets."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreByDefaultMiddleware:
    """`Cache-Control: no-store` on every response that does not say otherwise.

    Booking answers, manage and portal pages, and the whole back office show personal or
    health data, and a shared computer's browser cache or a proxy must not keep them.
    Listing those pages would let a new one slip through, so storing is off by default and a
    view that may be cached (the calendar feed) says so with its own Cache-Control. Static
    files never get here: WhiteNoise answers them first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
