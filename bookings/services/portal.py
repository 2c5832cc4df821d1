"""The client portal's one-time sign-in links: request one by email, redeem it once.

The request never says whether the email belongs to a client (no enumeration): the view
shows the same page either way, and the request does the same work either way (it queues
one job with the address). The worker looks the address up, makes the link and queues its
email, off the request path, so neither the response nor its timing tells known addresses
from unknown ones. Tokens are 256-bit random values; only their SHA-256 hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.emails import email_portal_link
from bookings.models import PortalToken
from bookings.tasks import issue_portal_link
from clinic.models import Client

LINK_LIFETIME = timedelta(minutes=30)

LINK_INVALID = "This sign-in link has expired or has already been used."
EMAIL_INVALID = "Enter a valid email address, like name@example.com."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def portal_link_request(*, email: str) -> None:
    """Queue the sign-in link for `email`; the worker sends it if the address is a client's.

    Reads nothing and writes one job row whatever the address, so no caller can tell a
    known address from an unknown one, not even by timing."""
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": EMAIL_INVALID}, code="invalid")
    issue_portal_link.enqueue(email)


def portal_link_issue(*, email: str, now: datetime | None = None) -> PortalToken | None:
    """Make a one-time sign-in link for the client with `email` and queue its email (run by
    the worker). Nothing for an unknown address."""
    now = now or timezone.now()
    client = Client.objects.filter(email__iexact=email).only("pk", "email", "first_name").first()
    if client is None:
        return None
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = PortalToken(
            client=client,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
        row.full_clean()
        row.save()
        email_portal_link(
            client=client,
            token=token,
            token_hash=row.token_hash,
            minutes=int(LINK_LIFETIME.total_seconds() // 60),
        )
    return row


def portal_tokens_delete_expired(*, now: datetime | None = None) -> int:
    """Delete sign-in links that expired (used or not) a day ago; upkeep, safe to repeat."""
    now = now or timezone.now()
    deleted, _ = PortalToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return deleted


def portal_link_check(*, token: str, now: datetime | None = None) -> PortalToken:
    """The unused, unexpired token row for `token`, without using it up."""
    now = now or timezone.now()
    row = (
        PortalToken.objects.filter(
            token_hash=token_hash(token or ""), used_at__isnull=True, expires_at__gt=now
        )
        .select_related("client")
        .first()
    )
    if row is None:
        raise ValidationError(LINK_INVALID, code="link_invalid")
    return row


def portal_link_redeem(*, token: str, now: datetime | None = None) -> Client:
    """Use up the sign-in link `token` and return its client.

    Compare-and-swap on `used_at`: two tabs opening the same link sign in once.
    """
    now = now or timezone.now()
    digest = token_hash(token or "")
    with transaction.atomic():
        updated = PortalToken.objects.filter(
            token_hash=digest, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if updated != 1:
            raise ValidationError(LINK_INVALID, code="link_invalid")
        return PortalToken.objects.select_related("client").get(token_hash=digest).client
