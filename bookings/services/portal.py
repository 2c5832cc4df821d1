"""The client portal's one-time sign-in links: request one by email, redeem it once.

The request never says whether the email belongs to a client (no enumeration): the view
shows the same page either way, and the email goes out after the transaction commits.
Tokens are 256-bit random values; only their SHA-256 hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bookings.models import PortalToken
from clinic.models import Client

LINK_LIFETIME = timedelta(minutes=30)

LINK_INVALID = "This sign-in link has expired or has already been used."
EMAIL_INVALID = "Enter a valid email address, like name@example.com."

SUBJECT = "Your sign-in link"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _send_link(*, email: str, first_name: str, token: str) -> None:
    url = settings.SITE_URL + reverse("bookings:portal_sign_in", args=[token])
    # Only the link and its lifetime: no appointments and nothing about health, since
    # email is read on shared screens and kept by mail providers.
    body = render_to_string(
        "bookings/portal/email_link.txt",
        {
            "first_name": first_name,
            "url": url,
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
        },
    )
    send_mail(f"{settings.CLINIC_NAME}: {SUBJECT}", body, None, [email])


def portal_link_request(*, email: str, now: datetime | None = None) -> None:
    """Email a one-time sign-in link to the client with `email`, if there is one.

    Returns nothing either way, so no caller can tell a known address from an unknown one.
    """
    now = now or timezone.now()
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": EMAIL_INVALID}, code="invalid")
    client = Client.objects.filter(email__iexact=email).only("pk", "email", "first_name").first()
    if client is None:
        return
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
        address, first_name = client.email, client.first_name
        transaction.on_commit(lambda: _send_link(email=address, first_name=first_name, token=token))


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
