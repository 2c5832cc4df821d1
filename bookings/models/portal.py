"""One-time sign-in links for the client portal.

Only a SHA-256 hash of each token is stored: a copy of the database (a backup, a support
dump) cannot be turned into working sign-in links. A token works once and for a short time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from clinic.models import Client


class PortalToken(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portal_tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="%(app_label)s_%(class)s_expires_after_created",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__gte=F("created_at")),
                name="%(app_label)s_%(class)s_used_after_created",
            ),
        ]
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        # Never the hash: it is not secret on its own, but it has no business in logs.
        return f"Portal sign-in link for {self.client_id}, {self.created_at:%Y-%m-%d %H:%M}"
