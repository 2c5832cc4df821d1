"""Emergency access ("break the glass"): a therapist outside a client's care reads the
record for a limited time after giving a written reason. Every grant is also a row in the
access log, and the manager lists them all."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clinic.models import Client


class EmergencyAccess(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(help_text="Why the record is needed now, in your own words.")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = "emergency access"
        verbose_name_plural = "emergency access (break the glass)"
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")),
                name="%(app_label)s_%(class)s_expires_after_granted",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="%(app_label)s_%(class)s_reason_set"),
        ]
        indexes = [models.Index(fields=["user", "client", "expires_at"])]

    def __str__(self) -> str:
        # Never the reason: it may describe the client's situation.
        return f"Emergency access #{self.pk}"
