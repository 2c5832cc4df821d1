"""Server-side drafts of the public booking flow.

The flow's answers (treatment, time, name, email, phone, health answers) live in a
`BookingDraft` row, not in the session: the session holds only a random key. A draft lives
`BOOKING_DRAFT_MINUTES` after its last step, is removed when the booking is made, and
`purge()` (run by the upkeep schedule, beside its expired-sessions job) deletes expired
drafts.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import BookingDraft
from bookings.services.portal import token_hash


def _lifetime() -> timedelta:
    return timedelta(minutes=settings.BOOKING_DRAFT_MINUTES)


def draft_load(*, key: str | None, now: datetime | None = None) -> dict[str, Any]:
    """The draft's data for `key`, or an empty dict when there is none (or it expired)."""
    if not key:
        return {}
    now = now or timezone.now()
    row = (
        BookingDraft.objects.filter(key_hash=token_hash(key), expires_at__gt=now)
        .values_list("data", flat=True)
        .first()
    )
    return dict(row or {})


def draft_save(*, key: str | None, data: dict[str, Any], now: datetime | None = None) -> str:
    """Store `data` as the draft for `key` (a new draft and key when there is none or it
    expired); returns the key to keep in the session. Each save extends the lifetime."""
    now = now or timezone.now()
    expires = now + _lifetime()
    if key:
        updated = BookingDraft.objects.filter(key_hash=token_hash(key), expires_at__gt=now).update(
            data=data, updated_at=now, expires_at=expires
        )
        if updated:
            return key
    key = secrets.token_urlsafe(32)
    BookingDraft.objects.create(key_hash=token_hash(key), data=data, updated_at=now, expires_at=expires)
    return key


def draft_discard(*, key: str | None) -> None:
    if key:
        BookingDraft.objects.filter(key_hash=token_hash(key)).delete()


def purge(*, now: datetime | None = None) -> int:
    """Delete expired drafts; returns how many went."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _ = BookingDraft.objects.filter(expires_at__lte=now).delete()
    return deleted
