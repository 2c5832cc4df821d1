"""Online bookings: what a client accepted when they booked on the public site.

The appointment itself lives in `appointments.py`; this row adds what only an online
booking has: the private manage link, the cancellation policy exactly as the client
accepted it, the screening findings for the therapist and the idempotency key that makes a
double-submitted confirmation create one booking.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bookings.models.appointments import Appointment


class OnlineBooking(models.Model):
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="online_booking"
    )
    # Random, unguessable (secrets.token_urlsafe(32)); the only key to the manage page.
    manage_token = models.CharField(max_length=64, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    therapist_chosen = models.BooleanField(
        default=True, help_text="False when the client had no preference of therapist."
    )
    policy_text = models.TextField(help_text="The cancellation policy as the client accepted it.")
    cancellation_window_hours = models.PositiveIntegerField(
        help_text="The cancellation window the client accepted, in hours."
    )
    accepted_at = models.DateTimeField()
    # Screening findings for the therapist: catalogue code and action only, never answers.
    findings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(manage_token=""), name="%(app_label)s_%(class)s_token_set"
            ),
            models.CheckConstraint(
                condition=Q(idempotency_key__isnull=True) | ~Q(idempotency_key=""),
                name="%(app_label)s_%(class)s_idempotency_key_not_blank",
            ),
        ]

    def __str__(self) -> str:
        return f"Online booking #{self.pk}"

    @property
    def manage_url(self) -> str:
        return settings.SITE_URL + reverse("bookings:manage", args=[self.manage_token])

    @property
    def cancellation_window(self) -> timedelta:
        return timedelta(hours=self.cancellation_window_hours)
