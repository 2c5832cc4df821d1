"""Appointments: one client, one therapist, one treatment option, one span of time.

Overlaps are refused by the database itself (see migration 0002): an exclusion constraint
on PostgreSQL, triggers on SQLite. Create and change appointments through
`bookings.services.appointments`, never with a bare `save()`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import Client, Room, Therapist
from treatments.models import TreatmentOption, TreatmentType

DEFAULT_CANCELLATION_WINDOW = timedelta(hours=24)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class AppointmentSource(models.TextChoices):
    ONLINE = "online", "Online"
    STAFF = "staff", "Staff"


# Rows with these statuses free their time; every other status blocks the diary. The
# overlap guards in migration 0002 spell out the same two values.
INACTIVE_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
ACTIVE_STATUSES = tuple(s for s in AppointmentStatus if s not in INACTIVE_STATUSES)
# The client came: care was given (access to records, plan progress, retention count from it).
ATTENDED_STATUSES = (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status__in=INACTIVE_STATUSES)


class Appointment(models.Model):
    Status = AppointmentStatus
    Source = AppointmentSource

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="appointments")
    treatment_type = models.ForeignKey(
        TreatmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    option = models.ForeignKey(TreatmentOption, on_delete=models.PROTECT, related_name="appointments")
    duration_minutes = models.PositiveSmallIntegerField()
    price = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="The option's price when it was booked."
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    buffer_ends_at = models.DateTimeField(
        help_text="End of the cleanup time after the appointment; the diary is blocked until then."
    )
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    source = models.CharField(max_length=10, choices=AppointmentSource.choices)
    # The screening result when the appointment was booked (and again at each check-in
    # attempt), so the schedule flags what needs attention before the day. Flags only:
    # the front desk sees the schedule and must not see which condition is behind them.
    needs_clearance = models.BooleanField(
        default=False, help_text="Screening asked for a clinician's clearance before treatment."
    )
    needs_consent = models.BooleanField(
        default=False, help_text="The treatment needs the client's written regional consent."
    )
    needs_review = models.BooleanField(
        default=False,
        help_text="Red-flag questions unanswered or treatment refused: a clinician must review.",
    )
    late_cancellation = models.BooleanField(default=False)
    # The cancellation window of the policy in force when this was booked: late or not is
    # always judged against it (see `bookings.rules.cancellation_is_late`), whoever booked.
    # The booking service always records it; the default is the default policy's window.
    cancellation_window = models.DurationField(
        default=DEFAULT_CANCELLATION_WINDOW,
        help_text="The cancellation window the booking was made under.",
    )
    changed_late = models.BooleanField(
        default=False,
        help_text="The client moved it inside the cancellation window; cancelling it is late.",
    )
    # Who last gave the appointment its therapist (null: the client online, or the system).
    # A therapist who put a client on themselves gets no early access to the record from it
    # (see `bookings.selectors.visibility`).
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=240, blank=True)
    # Set by send_reminders when it claims the appointment (a conditional update), so two
    # overlapping runs never email the same client twice.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AppointmentQuerySet.as_manager()
    # Not a column: the client's portal sets it on the rows it lists.
    client_may_change: bool

    class Meta:
        ordering = ["starts_at", "therapist"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(buffer_ends_at__gte=F("ends_at")),
                name="%(app_label)s_%(class)s_buffer_after_end",
            ),
            # The selector looks back at most one day for appointments that started before
            # its window, which holds while an appointment lasts at most 8 hours.
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="%(app_label)s_%(class)s_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(status=AppointmentStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(status=AppointmentStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="%(app_label)s_%(class)s_cancelled_at_iff_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["therapist", "starts_at"]),
            # The SQLite overlap triggers search these: rows ending after the new start.
            models.Index(fields=["therapist", "buffer_ends_at"]),
            models.Index(fields=["room", "buffer_ends_at"]),
            models.Index(fields=["client", "starts_at"]),
        ]

    def __str__(self) -> str:
        # Treatment name, local time and client name only: never clinical text.
        local = timezone.localtime(self.starts_at) if self.starts_at else None
        when = f"{local:%Y-%m-%d %H:%M}" if local else "unscheduled"
        return f"{self.treatment_type.name}, {when}, {self.client}"

    @property
    def screening_flags(self) -> list[str]:
        """What screening at booking asked the front desk to look at, in the words every
        staff page uses (list, calendar, My day)."""
        return [
            label
            for flag, label in (
                (self.needs_clearance, "needs clearance"),
                (self.needs_consent, "needs consent"),
                (self.needs_review, "needs screening review"),
            )
            if flag
        ]

    @property
    def is_active(self) -> bool:
        """Whether the appointment still holds its time in the diary."""
        return self.status not in INACTIVE_STATUSES
