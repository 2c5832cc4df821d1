"""Whole-page caching for public pages that show only the catalogue.

Such a page changes when its data is edited or the code is deployed, and at no other time.
Its HTML is kept in the shared cache (Redis in production, so every worker sees an edit)
with the generation it was rendered in; `invalidate()` starts a new generation once the
edit commits, so a page rendered from the old data is never served again. Whoever edits
(admin, service, shell, data migration) saves through the ORM, and the receivers in
treatments/apps.py call `invalidate()` for every save and delete of what these pages show.
The deploy is part of the key (templates and static files), so a new release renders anew.

A request carrying flash messages is rendered as usual, so no message is lost or cached.

A visitor who sends no cookie at all (no session, no messages: nothing of theirs can be on
the page) is answered by `PublicPageMiddleware` before the session, authentication and
message layers run, with the whole response those layers produced for the last such
visitor; the security headers are still added around it on every request.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache as shared_cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "public-pages:generation"
# A safety net for writes that bypass the ORM's signals (QuerySet.update, raw SQL).
TIMEOUT = 60 * 60


@cache
def _deploy() -> str:
    """A fingerprint of the templates and static files this process renders with."""
    digest = hashlib.sha256(getattr(staticfiles_storage, "manifest_hash", "").encode())
    dirs = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", ())]
    dirs += [Path(__file__).resolve().parent.parent / app / "templates" for app in ("clinic", "treatments", "bookings")]
    for directory in dirs:
        for path in sorted(directory.rglob("*.html")) if directory.is_dir() else ():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()[:16]


def invalidate() -> None:
    """Start a new generation once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: shared_cache.set(GENERATION_KEY, uuid.uuid4().hex, None))


def cached_public_page(view: Callable[[HttpRequest], HttpResponse]):
    """Serve the view's 200 responses from the cache until the next `invalidate()`."""
    key = f"public-page:{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or len(get_messages(request)):
            return view(request, *args, **kwargs)
        page_key = f"{key}:{_deploy()}"
        found = shared_cache.get_many([GENERATION_KEY, page_key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = uuid.uuid4().hex
            shared_cache.add(GENERATION_KEY, generation, None)
            generation = shared_cache.get(GENERATION_KEY, generation)
        page = found.get(page_key)
        if page is not None and page[0] == generation:
            response = HttpResponse(page[2], content_type=page[1])
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies and not response.streaming:
                shared_cache.set(
                    page_key, (generation, response["Content-Type"], response.content), TIMEOUT
                )
        response.public_page_generation = generation
        return response

    return wrapper


class PublicPageMiddleware:
    """Answer a cookie-less GET of a cached public page from the cache, whole (see above).

    Sits after the security and static-file middleware and before the session middleware.
    Only responses that `cached_public_page` marked, with no cookie set, are stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.COOKIES or request.META.get("QUERY_STRING"):
            return self.get_response(request)
        key = f"public-response:{_deploy()}:{request.path}"
        found = shared_cache.get_many([GENERATION_KEY, key])
        stored = found.get(key)
        if stored is not None and stored[0] == found.get(GENERATION_KEY):
            response = HttpResponse(stored[2])
            for header, value in stored[1]:
                response[header] = value
            return response
        response = self.get_response(request)
        generation = getattr(response, "public_page_generation", None)
        if generation and response.status_code == 200 and not response.cookies:
            shared_cache.set(key, (generation, list(response.items()), response.content), TIMEOUT)
        return response
