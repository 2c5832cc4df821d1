"""The treatment catalogue: treatment types, their bookable options, body sites and
home-care sheets. Clinical rules (contraindications, screening) build on these."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic.models import Therapist


class Region(models.TextChoices):
    BUTTOCK = "buttock", "Buttock"
    HIP = "hip", "Hip"
    LOW_BACK = "low-back", "Low back"
    THIGH = "thigh", "Thigh"
    FOOT = "foot", "Foot"


class SensitiveRegion(models.TextChoices):
    """Regions several regulators require written, per-region consent for."""

    GLUTEAL = "gluteal", "Gluteal region"
    INNER_THIGH = "inner-thigh", "Inner thigh"
    CHEST = "chest", "Chest"


class BodySite(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    region = models.CharField(max_length=20, choices=Region.choices)
    perfect_spot = models.PositiveSmallIntegerField(
        null=True, blank=True, unique=True, help_text="Perfect Spot number, where the site is one."
    )
    sensitive_region = models.CharField(
        max_length=20, choices=SensitiveRegion.choices, blank=True,
        help_text="Work here needs the client's written consent for this region.",
    )
    client_note = models.CharField(max_length=240, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="%(app_label)s_%(class)s_code_set"),
        ]

    def __str__(self) -> str:
        return self.name


class TreatmentTypeQuerySet(models.QuerySet):
    def bookable_online(self):
        return self.filter(active=True, bookable_online=True)


class TreatmentType(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="Stable code used by the API.")
    name = models.CharField(max_length=120)
    summary = models.CharField(max_length=240, help_text="One line for lists.")
    description = models.TextField(help_text="What it is, for clients.")
    what_to_expect = models.TextField(help_text="What the client should expect, for clients.")
    buffer_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(120)],
        help_text="Cleanup and reset time after each appointment, kept free in the diary.",
    )
    bookable_online = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    sensitive_region = models.CharField(
        max_length=20, choices=SensitiveRegion.choices, blank=True,
        help_text="Treatment works this region: needs the client's consent for it.",
    )
    body_sites = models.ManyToManyField(BodySite, related_name="treatment_types", blank=True)
    therapists = models.ManyToManyField(
        Therapist, related_name="treatment_types", blank=True,
        help_text="Therapists who offer this treatment.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = TreatmentTypeQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="%(app_label)s_%(class)s_code_set"),
            models.CheckConstraint(condition=~Q(name=""), name="%(app_label)s_%(class)s_name_set"),
        ]

    def __str__(self) -> str:
        return self.name


class TreatmentOption(models.Model):
    """A bookable length and price of a treatment type."""

    treatment_type = models.ForeignKey(TreatmentType, on_delete=models.CASCADE, related_name="options")
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["treatment_type__sort_order", "duration_minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["treatment_type", "duration_minutes"],
                name="%(app_label)s_%(class)s_unique_duration",
                violation_error_message="This treatment already has an option of that length.",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="%(app_label)s_%(class)s_duration_range",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="%(app_label)s_%(class)s_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.treatment_type.name}, {self.duration_minutes} min"


class Tool(models.TextChoices):
    TENNIS_BALL = "tennis-ball", "Tennis ball"
    LACROSSE_BALL = "lacrosse-ball", "Lacrosse ball"
    FOAM_ROLLER = "foam-roller", "Foam roller"
    FINGERS = "fingers", "Fingers"


class SiteFamily(models.TextChoices):
    BUTTOCK_HIP = "buttock-hip", "Buttock and hip"
    LOW_BACK = "low-back", "Low back"
    FOOT = "foot", "Foot"


class HomeCareSheet(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=120)
    site_family = models.CharField(max_length=20, choices=SiteFamily.choices)
    body_sites = models.ManyToManyField(BodySite, related_name="home_care_sheets", blank=True)
    tool = models.CharField(max_length=20, choices=Tool.choices)
    hold_seconds = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(120)])
    repetitions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10)])
    times_per_day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(6)])
    instructions = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site_family", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hold_seconds__gte=5, repetitions__gte=1, times_per_day__gte=1),
                name="%(app_label)s_%(class)s_dose_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title
