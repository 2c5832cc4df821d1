"""Middleware every request passes: refuse NUL characters in the address, and keep
personal pages out of caches."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

NUL_IN_ADDRESS = "This address contains a character we cannot accept. Please check the link."


class RefuseNulMiddleware:
    """Refuse addresses and query strings carrying NUL characters, before any view runs.

    A NUL byte cannot be stored in or compared with PostgreSQL text, so one in a manage
    token, a search box or a `?day=` used to reach the database and answer 500. No valid
    address or query string of this site contains one, so the request is refused with a
    plain 400 page (form fields refuse NUL themselves, keeping what was typed).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):  # the API's 400 shape
                return JsonResponse(
                    {"errors": [{"field": "request", "message": NUL_IN_ADDRESS}]}, status=400
                )
            return render(request, "400.html", {"message": NUL_IN_ADDRESS}, status=400)
        return self.get_response(request)


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
