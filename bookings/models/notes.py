"""Session notes: SOAP charting, the checklist snapshot, body map, referrals, addenda,
home care and the access log.

Everything here is health information. `__str__` never shows clinical text (it reaches
logs, admin breadcrumbs and error reports); write through `bookings.services.notes` and
read through `bookings.selectors.visibility`, the one rule for who may see a note.
A signed note is never changed. The database refuses it (triggers from migration
0021_signed_notes_immutable, on PostgreSQL and SQLite): no UPDATE or DELETE of a signed
note, of its checklist, body map or referrals, and no UPDATE or DELETE of addenda and
access-log rows, whatever path the SQL comes from. The models and the queryset refuse
first with the domain error, so the admin and the services show a message instead of a
database error.

The one way round the guard is the retention purge, and only for records past their
retention period: see `RecordPurge`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models.appointments import Appointment
from clinic.models import Client, Therapist
from treatments.models import (
    AnswerValue,
    AppendOnlyModel,
    BodySite,
    ContraindicationVersion,
    HomeCareSheet,
)

SIGNED_NOTE_IS_READ_ONLY = "This note is signed and cannot be changed; add an addendum instead."


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class YesNoUnknown(models.TextChoices):
    UNKNOWN = "", "Not asked"
    YES = "yes", "Yes"
    NO = "no", "No"


APPEND_ONLY = "This record is kept as written: it cannot be changed or deleted."


def signed_note_is_read_only() -> ValidationError:
    return ValidationError(SIGNED_NOTE_IS_READ_ONLY, code="signed")


class SessionNoteQuerySet(models.QuerySet):
    """Bulk writes would bypass the signing rule, so they never touch a signed note."""

    def update(self, **kwargs):
        if self.filter(status=NoteStatus.SIGNED).exists():
            raise signed_note_is_read_only()
        # Re-filter at write time: a note signed between the check and here stays untouched.
        return super(SessionNoteQuerySet, self.filter(status=NoteStatus.DRAFT)).update(**kwargs)

    def delete(self):
        if self.filter(status=NoteStatus.SIGNED).exists():
            raise signed_note_is_read_only()
        return super().delete()


class NotePartQuerySet(models.QuerySet):
    """Bulk writes to the parts of a signed note are refused like writes to the note."""

    def _refuse_signed(self) -> None:
        if self.filter(note__status=NoteStatus.SIGNED).exists():
            raise signed_note_is_read_only()

    def update(self, **kwargs):
        self._refuse_signed()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_signed()
        return super().delete()


class NotePart(models.Model):
    """A row that belongs to a session note and is frozen with it once the note is signed."""

    objects = NotePartQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_signed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_signed()
        return super().delete(*args, **kwargs)

    def _refuse_signed(self) -> None:
        note_ids = {self.note_id}
        if self.pk is not None:
            # Moving a row off a signed note changes that note too.
            stored = type(self)._base_manager.filter(pk=self.pk)
            note_ids.add(stored.values_list("note_id", flat=True).first())
        if SessionNote.objects.filter(pk__in=note_ids - {None}, status=NoteStatus.SIGNED).exists():
            raise signed_note_is_read_only()


class SessionNote(models.Model):
    """One note per appointment, in SOAP order."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="note")
    # Denormalised from the appointment so visibility and progress filter without joins.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="session_notes")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="session_notes")
    status = models.CharField(max_length=10, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False,
    )
    treated = models.BooleanField(
        default=True, help_text="Untick when the client was referred and not treated today."
    )

    # S: subjective
    complaint = models.TextField("chief complaint", blank=True, help_text="In the client's words.")
    onset = models.CharField(max_length=240, blank=True)
    pattern = models.CharField(max_length=240, blank=True, help_text="Constant, comes and goes, ...")
    below_knee = models.CharField(
        "leg pain below the knee", max_length=3, choices=YesNoUnknown.choices, blank=True
    )
    tingling_numbness = models.CharField(
        "tingling or numbness", max_length=3, choices=YesNoUnknown.choices, blank=True
    )
    aggravating = models.TextField("aggravating factors", blank=True)
    easing = models.TextField("easing factors", blank=True)
    goals = models.TextField(blank=True)
    # O: objective
    observations = models.TextField(blank=True, help_text="Posture, gait.")
    palpation = models.TextField(blank=True, help_text="Tone, tenderness, trigger points.")
    range_of_motion = models.TextField(blank=True, help_text="Hip and lumbar.")
    # Treatment given
    techniques = models.TextField(blank=True)
    treatment_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    client_response = models.TextField(blank=True)
    # A: assessment (a clinical impression, never a diagnosis: outside a therapist's scope)
    assessment = models.TextField("clinical impression", blank=True)
    modification = models.TextField(
        blank=True, help_text="How treatment was modified (pressure limit, position)."
    )
    pain_before = models.PositiveSmallIntegerField(
        "pain before (0-10)", null=True, blank=True
    )
    pain_after = models.PositiveSmallIntegerField("pain after (0-10)", null=True, blank=True)
    # P: plan
    plan = models.TextField(blank=True, help_text="Next visit, frequency.")
    # The screening verdict for today as it stood when the checklist was last saved.
    verdict = models.JSONField(default=dict, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SessionNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pain_before__isnull=True) | Q(pain_before__lte=10),
                name="%(app_label)s_%(class)s_pain_before_nrs",
                violation_error_message="Pain is scored from 0 to 10.",
            ),
            models.CheckConstraint(
                condition=Q(pain_after__isnull=True) | Q(pain_after__lte=10),
                name="%(app_label)s_%(class)s_pain_after_nrs",
                violation_error_message="Pain is scored from 0 to 10.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=NoteStatus.SIGNED, signed_at__isnull=False, signed_by__isnull=False)
                    | Q(status=NoteStatus.DRAFT, signed_at__isnull=True, signed_by__isnull=True)
                ),
                name="%(app_label)s_%(class)s_signed_has_signature",
                violation_error_message="A signed note has a signer and a time; a draft has neither.",
            ),
        ]
        indexes = [models.Index(fields=["client", "-created_at"])]

    def __str__(self) -> str:
        return f"Note for appointment {self.appointment.public_id}" if self.appointment_id else "Note"

    def save(self, *args, **kwargs):
        if self._stored_signed():
            raise signed_note_is_read_only()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_signed():
            raise signed_note_is_read_only()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED

    def _stored_signed(self) -> bool:
        # The stored row decides: a copy set back to "draft" in memory is still signed.
        return self.pk is not None and type(self)._base_manager.filter(
            pk=self.pk, status=NoteStatus.SIGNED
        ).exists()


class NoteChecklistItem(NotePart):
    """The contraindication checklist as it was answered for this session. The wording is
    copied so a later catalogue edit never changes what the therapist confirmed."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="checklist")
    version = models.ForeignKey(ContraindicationVersion, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=40)
    wording = models.TextField()
    answer = models.CharField(max_length=20, choices=AnswerValue.choices)
    action = models.CharField(max_length=20, blank=True, help_text="Action for this treatment.")
    remark = models.CharField(max_length=240, blank=True)

    class Meta:
        ordering = ["note", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["note", "code"], name="%(app_label)s_%(class)s_one_per_code",
                violation_error_message="The checklist already has this item.",
            ),
        ]

    def __str__(self) -> str:
        return f"Checklist item {self.code}"


class ReferralUrgency(models.TextChoices):
    EMERGENCY = "emergency", "Emergency: now"
    URGENT = "urgent", "Urgent: same day or within days"
    ROUTINE = "routine", "Routine"


class NoteReferral(NotePart):
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="referrals")
    referred_to = models.CharField(max_length=160, help_text="To whom (e.g. emergency department, GP).")
    urgency = models.CharField(max_length=10, choices=ReferralUrgency.choices)
    client_told = models.TextField(help_text="What the client was told.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["note", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referred_to="") & ~Q(client_told=""),
                name="%(app_label)s_%(class)s_text_set",
                violation_error_message="Say to whom and what the client was told.",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral #{self.pk}"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class TriggerPoint(models.TextChoices):
    NONE = "none", "None"
    ACTIVE = "active", "Active"
    LATENT = "latent", "Latent"


class Tension(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    MARKED = "marked", "Marked"


class BodyMapEntry(NotePart):
    """Findings and work at one body site and side."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="body_map")
    site = models.ForeignKey(BodySite, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=5, choices=Side.choices, default=Side.BOTH)
    trigger_point = models.CharField(
        max_length=6, choices=TriggerPoint.choices, default=TriggerPoint.NONE
    )
    referral_pattern = models.CharField(max_length=240, blank=True)
    tenderness = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0-10; blank when not assessed."
    )
    tension = models.CharField(max_length=8, choices=Tension.choices, default=Tension.NONE)
    treated = models.BooleanField(default=False)
    avoided = models.BooleanField(default=False)
    pressure = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="0 still hold, 1 light, 2 heavier lotioning, 3 typical, 4 deep, 5 very deep.",
    )

    class Meta:
        ordering = ["note", "site__sort_order", "side"]
        verbose_name_plural = "body map entries"
        constraints = [
            models.UniqueConstraint(
                fields=["note", "site", "side"], name="%(app_label)s_%(class)s_one_per_site_side",
                violation_error_message="This site and side is already on the body map.",
            ),
            models.CheckConstraint(
                condition=Q(tenderness__isnull=True) | Q(tenderness__lte=10),
                name="%(app_label)s_%(class)s_tenderness_nrs",
                violation_error_message="Tenderness is scored from 0 to 10.",
            ),
            models.CheckConstraint(
                condition=Q(pressure__isnull=True) | Q(pressure__lte=5),
                name="%(app_label)s_%(class)s_pressure_scale",
                violation_error_message="Pressure is on the 0-5 scale.",
            ),
            models.CheckConstraint(
                condition=~Q(treated=True, avoided=True),
                name="%(app_label)s_%(class)s_not_treated_and_avoided",
                violation_error_message="A site cannot be both treated and avoided.",
            ),
        ]

    def __str__(self) -> str:
        return f"Body map entry #{self.pk}"


class InsertOnlyModel(AppendOnlyModel):
    """Append-only, and never deleted either (the retention purge works in SQL, see
    `RecordPurge`)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(APPEND_ONLY, code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(APPEND_ONLY, code="append_only")


class NoteAddendum(InsertOnlyModel):
    """A correction or addition to a signed note; the original stays as it was."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=240)
    text = models.TextField()

    class Meta:
        ordering = ["note", "created_at", "id"]
        verbose_name_plural = "note addenda"
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="") & ~Q(text=""),
                name="%(app_label)s_%(class)s_reason_and_text_set",
                violation_error_message="An addendum needs a reason and a text.",
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum #{self.pk}"


class HomeCareAssignment(models.Model):
    """A home-care sheet given to the client from a session (listed in the client portal)."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="home_care")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="home_care")
    sheet = models.ForeignKey(HomeCareSheet, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["note", "sheet"], name="%(app_label)s_%(class)s_one_per_sheet",
                violation_error_message="This sheet is already given in this session.",
            ),
        ]

    def __str__(self) -> str:
        return f"Home care #{self.pk}"


class AccessAction(models.TextChoices):
    VIEW = "view", "View"
    PRINT = "print", "Print"
    EXPORT = "export", "Export"
    DOWNLOAD = "download", "Download"
    CREATE = "create", "Create"
    CHANGE = "change", "Change"
    SIGN = "sign", "Sign"
    ADDENDUM = "addendum", "Addendum"
    BREAK_GLASS = "glass", "Break the glass"
    # Tombstones: a class of record removed, never its content.
    PURGE = "purge", "Removed after retention"
    ERASE = "erase", "Erased on request"


class AccessLog(InsertOnlyModel):
    """Who read or changed which clinical record, when and from where. Append-only: the
    admin refuses add, change and delete to everyone, the superuser included."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    object_type = models.CharField(max_length=60, help_text="Model label, e.g. bookings.sessionnote.")
    object_id = models.CharField(max_length=64)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"Access #{self.pk}"


class RecordPurge(models.Model):
    """The one route past the immutability guards: removing notes past retention.

    The triggers of migration 0021 refuse DELETE of a signed note, its checklist, body map,
    referrals and addenda, and of access-log rows, unless this table holds a row naming
    that note (`note_id`; access-log rows: `client_id`). The retention purge, and nothing
    else, inserts that row in the same transaction as the deletes, with who authorised it
    and why, and keeps it afterwards as the record that the purge happened. The row names
    no clinical content. UPDATE stays refused for everyone: there is no route to rewrite a
    signed note, only to remove one whose retention period is over.
    """

    # Plain ids, not foreign keys: the rows they name are about to be deleted.
    note_id = models.BigIntegerField(db_index=True)
    client_id = models.BigIntegerField(db_index=True)
    authorised_at = models.DateTimeField(default=timezone.now)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=240)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="%(app_label)s_%(class)s_reason_set"),
        ]

    def __str__(self) -> str:
        return f"Record purge #{self.pk}"
