"""People and places: therapists, clients and rooms.

Nothing here is clinical. Health records live in `treatments` and `bookings`, so a model in
this app can be shown to the front desk without leaking health information.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from clinic.images import validate_photo

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #3a7bd5.")


def therapist_photo_upload_to(instance, filename: str) -> str:
    return f"therapists/{uuid.uuid4().hex}.jpg"


class Therapist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist"
    )
    display_name = models.CharField(max_length=120)
    bio = models.TextField(blank=True, help_text="Shown on the public therapist profile.")
    registration_number = models.CharField(
        max_length=40, blank=True, help_text="Professional registration with the regulator."
    )
    active = models.BooleanField(default=True)
    calendar_colour = models.CharField(
        max_length=7, default="#3a7bd5", validators=[colour_validator]
    )
    photo = models.ImageField(
        upload_to=therapist_photo_upload_to,
        blank=True,
        validators=[validate_photo],
        help_text="Shown on the public profile; stored resized to 600 px, without its EXIF data.",
    )
    # Secret for the private iCalendar feed; reset by giving it a new value.
    calendar_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(display_name=""), name="%(app_label)s_%(class)s_display_name_set"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Client(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Wide enough for any online name (at most 160 characters) split at its first space:
    # the split never cuts what was typed.
    first_name = models.CharField(max_length=160)
    last_name = models.CharField(max_length=160, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    family_doctor = models.CharField(max_length=160, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client",
    )
    front_desk_remarks = models.TextField(
        blank=True,
        help_text="Non-clinical remarks only (parking, preferred contact time). "
        "Health information belongs in the health intake.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name=""), name="%(app_label)s_%(class)s_first_name_set"
            ),
            # One client per email address, ignoring case; clients without email are allowed.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="%(app_label)s_%(class)s_unique_email",
                violation_error_message="Another client already uses this email address.",
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        parts = [self.first_name, self.last_name]
        return "".join(p[0].upper() + "." for p in parts if p)


class Room(models.Model):
    name = models.CharField(max_length=60, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="%(app_label)s_%(class)s_name_set"),
        ]

    def __str__(self) -> str:
        return self.name


class Generation(models.Model):
    """A change marker for what is cached from the database: one row per name, given a new
    random token after every committed write that changes what the name covers (see
    `clinic.generations`). Never edited by hand."""

    name = models.CharField(primary_key=True, max_length=40)
    token = models.CharField(max_length=32)

    class Meta:
        default_permissions = ()  # machinery: no role reads or edits it

    def __str__(self) -> str:
        return self.name
