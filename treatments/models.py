"""The treatment catalogue: treatment types, their bookable options, body sites and
home-care sheets. Clinical rules (contraindications, screening) build on these."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import Client, Therapist


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


# --- Clinical safety: contraindication catalogue, health intake, consents, clearances ---
#
# Everything below holds clinical rules or a client's health information. `__str__` never
# shows clinical text (it ends up in logs, admin breadcrumbs and error reports), and the
# front desk gets no permission on any of these models (see treatments/roles.py).


class Category(models.TextChoices):
    RED_FLAG = "red-flag", "Red flag"
    ABSOLUTE = "absolute", "Absolute"
    LOCAL = "local", "Local"
    RELATIVE = "relative", "Relative"


class Action(models.TextChoices):
    """What an answer of "yes" means. Ordered from most to least restrictive."""

    EMERGENCY = "emergency", "Emergency referral now"
    URGENT = "urgent", "Urgent medical assessment"
    DO_NOT_TREAT = "do-not-treat", "Do not treat today"
    CLEARANCE = "clearance", "Needs written medical clearance"
    AVOID_AREA = "avoid-area", "Avoid the area"
    MODIFY = "modify", "Modify treatment"


RED_FLAG_ACTIONS = (Action.EMERGENCY, Action.URGENT)


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates would change history without leaving a trace, so they are refused."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only; create a new row instead.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError(f"{self.model.__name__} rows are append-only; create a new row instead.")


class AppendOnlyModel(models.Model):
    """A row that is written once and never changed (versions, change history)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only; create a new row instead.")
        super().save(*args, **kwargs)


# The content of a catalogue version: what an edit may change, what a new version copies
# and what the admin compares between two versions. Number, author and time are not content.
VERSION_FIELDS = (
    "question",
    "wording",
    "category",
    "action",
    "requires_clearance",
    "refer",
    "other_types_action",
    "escalates_with_emergency",
    "asked_on_visit_day",
    "guidance",
    "client_advice",
)
VERSION_M2M = ("treatment_types", "body_sites")


class ContraindicationItem(models.Model):
    """A stable catalogue entry (its code never changes); its content lives in versions."""

    code = models.SlugField(max_length=40, unique=True, help_text="Stable code, e.g. rf-bladder.")
    current_version = models.OneToOneField(
        "ContraindicationVersion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="current_of", editable=False,
    )
    active = models.BooleanField(
        default=True, help_text="Retired items are no longer asked or screened; answers keep them."
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="%(app_label)s_%(class)s_code_set"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_red_flag(self) -> bool:
        return self.code.startswith("rf-")


class ContraindicationVersion(AppendOnlyModel):
    """One immutable wording and rule of an item. Answers, verdicts and session notes name
    the version they used, so an edit never rewrites what a client was asked."""

    item = models.ForeignKey(ContraindicationItem, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    question = models.TextField(help_text="The question as the client reads it, in plain language.")
    wording = models.TextField(help_text="The clinician's wording.")
    category = models.CharField(max_length=20, choices=Category.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    requires_clearance = models.BooleanField(
        default=False, help_text="Also needs written medical clearance (e.g. modify + clearance)."
    )
    refer = models.BooleanField(default=False, help_text="Also refer the client for medical assessment.")
    treatment_types = models.ManyToManyField(
        TreatmentType, related_name="+", blank=True,
        help_text="Treatment types this affects; none selected means every type.",
    )
    body_sites = models.ManyToManyField(
        BodySite, related_name="+", blank=True,
        help_text="Sites this affects; none selected means the whole treatment.",
    )
    other_types_action = models.CharField(
        max_length=20, choices=Action.choices, blank=True,
        help_text="Action for treatment types outside the selected ones (blank: no finding).",
    )
    escalates_with_emergency = models.BooleanField(
        default=False,
        help_text="Becomes an emergency when any emergency red flag is also answered yes.",
    )
    asked_on_visit_day = models.BooleanField(
        "asked on the day of the visit",
        default=False,
        help_text=(
            "About how the client is on the day (fever, alcohol, painkillers taken): not asked "
            "or judged at booking; asked again at check-in and judged for that visit only."
        ),
    )
    guidance = models.TextField(blank=True, help_text="What the therapist should do.")
    client_advice = models.TextField(blank=True, help_text="What the client is told, in plain language.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["item", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(
                fields=["item", "version"], name="%(app_label)s_%(class)s_unique_version",
                violation_error_message="This item already has a version with that number.",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="%(app_label)s_%(class)s_version_positive"),
            models.CheckConstraint(
                condition=~Q(question="") & ~Q(wording=""), name="%(app_label)s_%(class)s_text_set"
            ),
            # Red flags refer (emergency/urgent), and only red flags do.
            models.CheckConstraint(
                condition=(
                    Q(category=Category.RED_FLAG, action__in=RED_FLAG_ACTIONS)
                    | (~Q(category=Category.RED_FLAG) & ~Q(action__in=RED_FLAG_ACTIONS))
                ),
                name="%(app_label)s_%(class)s_red_flag_action",
                violation_error_message="Red flags, and only red flags, have an emergency or urgent action.",
            ),
            models.CheckConstraint(
                condition=Q(escalates_with_emergency=False) | Q(action=Action.URGENT),
                name="%(app_label)s_%(class)s_escalates_only_urgent",
                violation_error_message="Only an urgent red flag can escalate to an emergency.",
            ),
            models.CheckConstraint(
                condition=~Q(other_types_action__in=RED_FLAG_ACTIONS),
                name="%(app_label)s_%(class)s_other_types_not_red_flag",
                violation_error_message="Red flags affect every treatment type.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version}" if self.item_id else f"v{self.version}"


class AnswerValue(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_ASKED = "not-asked", "Not asked"


class HealthIntake(models.Model):
    """A client's health record: answers, medications, pregnancy, allergies, preferences.

    Written only through treatments.services, which keeps every change in
    HealthRecordChange with who and when."""

    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="health_intake")
    medications = models.TextField(blank=True, help_text="Blood thinners, steroids, painkillers today.")
    pregnant = models.CharField(max_length=20, choices=AnswerValue.choices, default=AnswerValue.NOT_ASKED)
    pregnancy_notes = models.CharField(max_length=240, blank=True, help_text="Weeks; high-risk or not.")
    allergies = models.TextField(blank=True)
    pressure_preference = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(5)],
        help_text="0 still hold, 1 light, 2 heavier lotioning, 3 typical, 4 deep, 5 very deep.",
    )
    areas_to_avoid = models.ManyToManyField(BodySite, related_name="+", blank=True)
    areas_to_avoid_notes = models.CharField(max_length=240, blank=True)
    cannot_lie_prone = models.BooleanField(default=False, help_text="Cannot lie face down.")
    cannot_lie_supine = models.BooleanField(default=False, help_text="Cannot lie on the back.")
    cannot_lie_side = models.BooleanField(default=False, help_text="Cannot lie on the side.")
    position_notes = models.CharField(max_length=240, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)


    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pressure_preference__isnull=True) | Q(pressure_preference__lte=5),
                name="%(app_label)s_%(class)s_pressure_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"Health intake #{self.pk}"


ANSWER_VERSION_MISMATCH = "The answer must name a version of the same item."


class ContraindicationAnswer(models.Model):
    """The client's current answer to one item, naming the version they were asked."""

    intake = models.ForeignKey(HealthIntake, on_delete=models.PROTECT, related_name="answers")
    item = models.ForeignKey(ContraindicationItem, on_delete=models.PROTECT, related_name="answers")
    version = models.ForeignKey(ContraindicationVersion, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=20, choices=AnswerValue.choices, default=AnswerValue.NOT_ASKED)
    detail = models.TextField(blank=True, help_text="Where, since when, what the doctor said.")
    answered_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["item__sort_order", "item__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "item"], name="%(app_label)s_%(class)s_one_per_item",
                violation_error_message="This intake already has an answer for that item.",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer #{self.pk}"

    def clean(self) -> None:
        if self.version_id and self.item_id and self.version.item_id != self.item_id:
            raise ValidationError({"version": ANSWER_VERSION_MISMATCH})


class ConsentKind(models.TextChoices):
    GENERAL = "general", "General informed consent"
    SENSITIVE_AREA = "sensitive-area", "Sensitive-area consent"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "Written (signed on paper)"
    ELECTRONIC = "electronic", "Electronic (signed online)"
    VERBAL = "verbal", "Verbal"


class Consent(models.Model):
    """A consent the client gave. Sensitive-area consent is per region and written.

    Belongs to the intake (not directly to the client) so the admin can show it inline on
    the health record; `consent.intake.client` is the client."""

    intake = models.ForeignKey(HealthIntake, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    region = models.CharField(max_length=20, choices=SensitiveRegion.choices, blank=True)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=ConsentKind.SENSITIVE_AREA) & ~Q(region=""))
                | (Q(kind=ConsentKind.GENERAL) & Q(region="")),
                name="%(app_label)s_%(class)s_region_for_sensitive_area",
                violation_error_message="Sensitive-area consent names one region; general consent none.",
            ),
            # Regulators require written consent for sensitive areas; electronic signature counts.
            models.CheckConstraint(
                condition=~Q(kind=ConsentKind.SENSITIVE_AREA, method=ConsentMethod.VERBAL),
                name="%(app_label)s_%(class)s_sensitive_area_written",
                violation_error_message="Sensitive-area consent must be written or electronic.",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("given_at")),
                name="%(app_label)s_%(class)s_expires_after_given",
                violation_error_message="Consent must expire after it was given.",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="%(app_label)s_%(class)s_withdrawn_after_given",
                violation_error_message="Consent cannot be withdrawn before it was given.",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent #{self.pk}"

    def is_valid_at(self, when) -> bool:
        return (
            self.given_at <= when
            and (self.expires_at is None or when < self.expires_at)
            and (self.withdrawn_at is None or when < self.withdrawn_at)
        )


def clearance_upload_to(instance, filename: str) -> str:
    # Unguessable name: the file is health information and must not be found by its name.
    suffix = Path(filename).suffix.lower()[:10]
    return f"clearances/{uuid.uuid4().hex}{suffix}"


class MedicalClearance(models.Model):
    """Written medical clearance for one or more catalogue items, honoured until it expires."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="medical_clearances")
    given_by = models.CharField(max_length=160, help_text="Doctor or clinic who gave it.")
    given_on = models.DateField()
    items = models.ManyToManyField(
        ContraindicationItem, related_name="clearances", blank=True,
        help_text="Items this clearance covers; screening honours only these.",
    )
    scope_notes = models.TextField(blank=True, help_text="Scope and limits in the doctor's words.")
    document = models.FileField(upload_to=clearance_upload_to, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Last day the clearance holds.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(condition=~Q(given_by=""), name="%(app_label)s_%(class)s_given_by_set"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("given_on")),
                name="%(app_label)s_%(class)s_expires_after_given",
                violation_error_message="A clearance cannot expire before it was given.",
            ),
        ]

    def __str__(self) -> str:
        return f"Medical clearance #{self.pk}"

    def is_valid_on(self, day) -> bool:
        return self.given_on <= day and (self.expires_on is None or day <= self.expires_on)


class ChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REVIEWED = "reviewed", "Reviewed"


class HealthRecordChange(AppendOnlyModel):
    """Append-only history of every change to a client's health record: who, when, what.

    `changes` holds old and new values, so it is health information too: exports, erasure
    and retention purges must cover this table."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=60, help_text="Model label, e.g. treatments.consent.")
    record_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    changes = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["client", "-changed_at"])]

    def __str__(self) -> str:
        return f"Change #{self.pk}"
