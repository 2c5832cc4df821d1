"""Error pages in the site's own layout and words, each saying how to reach the clinic.

The server error page is rendered without the request: whatever broke (the database, a
middleware) must not break the page that says so, so it gets only the clinic's settings.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

from clinic.context_processors import clinic


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(render_to_string("500.html", clinic(request)))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page left open too long (or with cookies off): say what to do,
    not why the security check failed."""
    return render(request, "403_csrf.html", status=403)
