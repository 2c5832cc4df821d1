"""Online bookings: what a client accepted when they booked on the public site, and
what they typed.

The appointment itself lives in `appointments.py`; this row adds what only an online
booking has: the private manage link, the cancellation policy exactly as the client
accepted it, the screening findings for the therapist and the idempotency key (bound to a
fingerprint of the request) that makes a double-submitted confirmation create one booking.

`OnlineSubmission` keeps the name, phone, health answers and consents given with the
booking. Anyone can type anyone's email address, so none of it enters a client's record
until the person proves control of the address (the emailed link) or staff confirm it with
the client in front of them.
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
    # SHA-256 of the canonical request and who sent it: the key answers only the same request.
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
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


class ConfirmedVia(models.TextChoices):
    EMAIL = "email", "Emailed link"
    STAFF = "staff", "Staff at check-in"


class OnlineSubmission(models.Model):
    """What the person booking online submitted: contact details, health answers and
    consents, screened for this booking only.

    Health information: shown only to staff the visibility rule lets read the client's
    record; never in `__str__`, logs or emails."""

    booking = models.OneToOneField(
        OnlineBooking, on_delete=models.CASCADE, related_name="submission"
    )
    name = models.CharField(max_length=160)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=32)
    # Catalogue item code -> yes (true) / no (false), as answered on the form.
    answers = models.JSONField(default=dict)
    general_consent = models.BooleanField(default=False)
    sensitive_consents = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField()
    # For the front desk: the booking matched an existing client whose name or phone differ.
    name_differs = models.BooleanField(default=False)
    phone_differs = models.BooleanField(default=False)
    # SHA-256 of the emailed confirmation token (like the portal's): a database copy
    # cannot be turned into working links. Cleared when used.
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(max_length=10, choices=ConfirmedVia.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True, confirmed_via="")
                | (Q(confirmed_at__isnull=False) & ~Q(confirmed_via="")),
                name="%(app_label)s_%(class)s_confirmed_with_how",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(token_hash__isnull=True),
                name="%(app_label)s_%(class)s_token_gone_once_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"Online submission #{self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def details_differ(self) -> bool:
        return self.name_differs or self.phone_differs


class BookingDraft(models.Model):
    """The public booking flow's answers between steps, kept server-side (never in the
    session, which may live for weeks and is not encrypted) and tied to the flow by a
    random key the browser's session holds; only the key's SHA-256 is stored. Removed when
    the booking is made and purged once expired (`bookings.services.drafts.purge`)."""

    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("updated_at")),
                name="%(app_label)s_%(class)s_expires_after_update",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking draft #{self.pk}"
