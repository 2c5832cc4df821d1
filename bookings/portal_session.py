"""Who is signed in to the client portal.

A portal sign-in is not a staff login: the session holds only the client's id under
`PORTAL_SESSION_KEY`, and no Django user is authenticated. The portal's pages sign clients
in and out (`bookings.views.portal`); the booking pages, plans and privacy requests ask
who is signed in.
"""

from __future__ import annotations

from django.http import HttpRequest

from clinic.models import Client

PORTAL_SESSION_KEY = "portal_client_id"


def portal_client(request: HttpRequest) -> Client | None:
    """The client signed in to the portal in this browser, or None."""
    client_id = request.session.get(PORTAL_SESSION_KEY)
    if client_id is None:
        return None
    return Client.objects.filter(pk=client_id).first()
