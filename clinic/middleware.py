"""Refuse addresses and query strings carrying NUL characters, before any view runs.

A NUL byte cannot be stored in or compared with PostgreSQL text, so one in a manage token,
a search box or a `?day=` used to reach the database and answer 500. No valid address or
query string of this site contains one, so the request is refused with a plain 400 page
(form fields refuse NUL themselves, keeping what was typed).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL_IN_ADDRESS = "This address contains a character we cannot accept. Please check the link."


class RefuseNulMiddleware:
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
