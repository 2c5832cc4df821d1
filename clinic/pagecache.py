"""Whole-page caching for public pages that show only the catalogue.

Such a page changes when its data is edited or the code is deployed, and at no other time.
Its HTML is kept in the cache with the catalogue's generation token it was rendered under
(`clinic.generations`: the token lives in the database, so an edit made through any
worker or process ends every worker's copy, whatever cache backend each one has). Whoever
edits (admin, service, shell, data migration) saves through the ORM, and the receivers in
clinic/apps.py and treatments/apps.py give the catalogue a new token once the edit
commits, so a page rendered from the old data is never served again. The deploy is part
of the key (templates and static files), so a new release renders anew.

A request carrying flash messages is rendered as usual, so no message is lost or cached.

A visitor who sends no cookie at all (no session, no messages: nothing of theirs can be on
the page) is answered by `PublicPageMiddleware` before the session, authentication and
message layers run, with the whole response those layers produced for the last such
visitor; the security headers are still added around it on every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache as shared_cache
from django.http import HttpRequest, HttpResponse

from clinic import generations

# A safety net for writes that bypass the ORM's signals (QuerySet.update, raw SQL).
TIMEOUT = 60 * 60
# This process's copy of the stored responses (a few public paths), checked against the
# catalogue's token like the shared cache's: no unpickling on the way out.
recent = generations.Recent(16, TIMEOUT)


@cache
def _deploy() -> str:
    """A fingerprint of the templates and static files this process renders with."""
    digest = hashlib.sha256(getattr(staticfiles_storage, "manifest_hash", "").encode())
    dirs = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", ())]
    dirs += [
        Path(__file__).resolve().parent.parent / app / "templates"
        for app in ("clinic", "treatments", "bookings")
    ]
    for directory in dirs:
        for path in sorted(directory.rglob("*.html")) if directory.is_dir() else ():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()[:16]


def cached_public_page(view: Callable[[HttpRequest], HttpResponse]):
    """Serve the view's 200 responses from the cache until the catalogue's token changes."""
    key = f"public-page:{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or len(get_messages(request)):
            return view(request, *args, **kwargs)
        token = generations.tokens(generations.CATALOGUE)
        if token is None:  # this request changed the catalogue and has not committed
            return view(request, *args, **kwargs)
        page_key = f"{key}:{_deploy()}"
        page = shared_cache.get(page_key)
        if page is not None and page[0] == token:
            response = HttpResponse(page[2], content_type=page[1])
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies and not response.streaming:
                shared_cache.set(
                    page_key, (token, response["Content-Type"], response.content), TIMEOUT
                )
        response.public_page_generation = token
        return response

    return wrapper


class PublicPageMiddleware:
    """Answer a cookie-less GET of a cached public page from the cache, whole (see above).

    Sits after the security and static-file middleware and before the session middleware.
    Only responses that `cached_public_page` marked, with no cookie set, are stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or request.COOKIES
            or request.META.get("QUERY_STRING")
        ):
            return self.get_response(request)
        # Hashed: the raw path may hold characters a cache key must not (a NUL byte).
        path = hashlib.sha256(request.path.encode("utf-8", "surrogateescape")).hexdigest()
        key = f"public-response:{_deploy()}:{path}"
        token = None
        # This process's copy first, then the shared cache; the catalogue's token is read
        # only for a path that has a stored page.
        for source in (recent, shared_cache):
            stored = source.get(key)
            if stored is None:
                continue
            token = token or generations.tokens(generations.CATALOGUE)
            if stored[0] == token:
                recent.set(key, stored)
                response = HttpResponse(stored[2])
                for header, value in stored[1]:
                    response[header] = value
                return response
        response = self.get_response(request)
        token = getattr(response, "public_page_generation", None)
        if token and response.status_code == 200 and not response.cookies:
            stored = (token, list(response.items()), response.content)
            shared_cache.set(key, stored, TIMEOUT)
            recent.set(key, stored)
        return response
