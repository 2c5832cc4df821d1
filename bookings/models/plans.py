"""Treatment plans (a course of sessions) and the outcome measures collected along them.

A plan's goal is clinical text: it never appears in `__str__`, URLs or emails. Sessions
are ordinary appointments booked through the booking service; `PlanSession` numbers them
("3 of 8"). An `OutcomeResponse` keeps the raw answers, the score and the instrument's
code, version and wording as asked; once saved it is never changed (append-only).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models.appointments import Appointment
from bookings.models.schedule import Weekday
from clinic.models import Client, Therapist
from treatments.models import AppendOnlyModel, TreatmentOption, TreatmentType
from treatments.outcomes import CHOICES as INSTRUMENT_CHOICES

MAX_SESSIONS = 52


def default_collect_at(sessions: int) -> list[int]:
    """The visits that collect outcome measures by default: the first, every fourth and
    the last (for 8 sessions: 1, 4 and 8)."""
    return sorted({1, sessions, *range(4, sessions + 1, 4)})


class TreatmentPlan(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_plans")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="treatment_plans")
    goal = models.TextField(help_text="What the client wants to be able to do again.")
    treatment_type = models.ForeignKey(TreatmentType, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(TreatmentOption, on_delete=models.PROTECT, related_name="+")
    sessions = models.PositiveSmallIntegerField("number of sessions")
    interval_days = models.PositiveSmallIntegerField(
        "interval (days)", default=7, help_text="7 for weekly, 14 for every two weeks."
    )
    weekday = models.PositiveSmallIntegerField("preferred weekday", choices=Weekday.choices)
    start_time = models.TimeField("preferred time")
    first_date = models.DateField(help_text="The first session is on the preferred weekday on or after it.")
    measures = models.JSONField(
        default=list, blank=True, help_text="Codes of the outcome measures to follow."
    )
    collect_at = models.JSONField(
        default=list, blank=True, help_text="Session numbers that collect the measures."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False,
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions__gte=1, sessions__lte=MAX_SESSIONS),
                name="%(app_label)s_%(class)s_sessions_range",
                violation_error_message=f"A plan has 1 to {MAX_SESSIONS} sessions.",
            ),
            models.CheckConstraint(
                condition=Q(interval_days__gte=1, interval_days__lte=60),
                name="%(app_label)s_%(class)s_interval_range",
                violation_error_message="The interval is 1 to 60 days.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7),
                name="%(app_label)s_%(class)s_weekday_range",
            ),
        ]
        indexes = [models.Index(fields=["client", "-created_at"])]

    def __str__(self) -> str:
        # No goal here: it is clinical text.
        return f"Plan of {self.sessions} sessions for {self.client}" if self.client_id else "Plan"

    def collects_at(self, number: int) -> bool:
        return bool(self.measures) and number in (self.collect_at or default_collect_at(self.sessions))


class PlanSession(models.Model):
    """One booked session of a plan: which appointment is session `number` of the plan."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="plan_sessions")
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="plan_session")
    number = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="%(app_label)s_%(class)s_one_per_number",
                violation_error_message="The plan already has a session with this number.",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=MAX_SESSIONS),
                name="%(app_label)s_%(class)s_number_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.plan.sessions}" if self.plan_id else "Session"


class ResponseSource(models.TextChoices):
    PORTAL = "portal", "Client, in the portal"
    STAFF = "staff", "Therapist, on the note"


class OutcomeResponse(AppendOnlyModel):
    """One completed questionnaire. Submitted once; read-only afterwards (the model refuses
    updates, the database refuses them too (migration 0024), and it keeps one response per
    visit and instrument)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="outcome_responses")
    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="outcome_responses"
    )
    instrument = models.CharField(max_length=20, choices=INSTRUMENT_CHOICES)
    instrument_version = models.PositiveSmallIntegerField()
    wording = models.JSONField(help_text="The items as they were asked.")
    answers = models.JSONField(help_text="The answers as given.")
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=10, choices=ResponseSource.choices)
    submitted_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["client", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "instrument"],
                condition=Q(appointment__isnull=False),
                name="%(app_label)s_%(class)s_one_per_visit",
                violation_error_message="This measure was already answered for this visit.",
            ),
            models.CheckConstraint(
                condition=Q(instrument_version__gte=1), name="%(app_label)s_%(class)s_version_positive"
            ),
        ]
        indexes = [models.Index(fields=["client", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} v{self.instrument_version}"
