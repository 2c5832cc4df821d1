"""Break the glass: emergency access to a record outside a therapist's care.

The therapist writes why; the grant lasts `BREAK_GLASS_MINUTES`, is logged in the access
log with its own kind, and appears in the manager's list. The reason is kept for the
manager only and never logged as text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import EmergencyAccess
from bookings.models.notes import AccessAction
from bookings.selectors.visibility import may_break_the_glass
from bookings.services.notes import access_record
from clinic.models import Client

REASON_REQUIRED = "Please write why you need this record now (at least a few words)."
GLASS_NOT_ALLOWED = "Only therapists ask for emergency access; managers already see every record."
MIN_REASON_LENGTH = 10


def break_the_glass(
    *, user, client: Client, reason: str, ip: str | None = None, now: datetime | None = None
) -> EmergencyAccess:
    """Give `user` time-limited access to `client`'s record for the written `reason`."""
    now = now or timezone.now()
    if not may_break_the_glass(user):
        raise ValidationError(GLASS_NOT_ALLOWED, code="glass_not_allowed")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": [REASON_REQUIRED]}, code="reason_required")
    with transaction.atomic():
        grant = EmergencyAccess(
            user=user,
            client=client,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        grant.full_clean()
        grant.save()
        access_record(
            user=user, action=AccessAction.BREAK_GLASS, obj=grant, client=client, ip=ip, now=now
        )
    return grant
