"""Sliding session expiry without writing the session on every request.

A staff session idles out SESSION_COOKIE_AGE after the last request. Saving the session on
every request (SESSION_SAVE_EVERY_REQUEST) kept that exact, at the price of a database
write per page. This middleware renews the expiry only when the last renewal is more than
SESSION_REFRESH_SECONDS old, so a session idles out between SESSION_COOKIE_AGE minus that
and SESSION_COOKIE_AGE after the last request, and a busy user costs one write a minute.
"""

from __future__ import annotations

import time

from django.conf import settings

RENEWED_KEY = "_renewed"


class SessionRenewalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        # Only sessions that exist and hold something (reading them drops an expired or
        # forged key): a visitor without one must not be given one here.
        if session.session_key is not None and len(session.keys()) and session.session_key:
            now = int(time.time())
            if now - session.get(RENEWED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[RENEWED_KEY] = now  # marks the session modified: saved, expiry renewed
        return self.get_response(request)
