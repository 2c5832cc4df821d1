"""When therapists work: weekly hours, time off, clinic closures and the booking policy."""

from __future__ import annotations

import copy
from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic.models import Therapist

# How far ahead staff may book (a course of treatment is often planned months out).
STAFF_MAX_ADVANCE = timedelta(days=366)


class Weekday(models.IntegerChoices):
    """ISO weekday numbers (Monday is 1), as `date.isoweekday()` returns them.

    Mixing 0-based and 1-based weekdays is a classic booking bug; there is only this one."""

    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 3, "Wednesday"
    THURSDAY = 4, "Thursday"
    FRIDAY = 5, "Friday"
    SATURDAY = 6, "Saturday"
    SUNDAY = 7, "Sunday"


class WorkingHours(models.Model):
    """One working interval of a therapist on a weekday, in the clinic's local time.

    Several rows a day make breaks and split shifts."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField(help_text="Local clinic time.")
    end_time = models.TimeField(help_text="Local clinic time.")

    class Meta:
        ordering = ["therapist", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")),
                name="%(app_label)s_%(class)s_starts_before_end",
                violation_error_message="The end time must be after the start time.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7),
                name="%(app_label)s_%(class)s_iso_weekday",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "weekday"])]

    def __str__(self) -> str:
        return (
            f"{self.therapist}: {self.get_weekday_display()} "
            f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"
        )


class TimeOff(models.Model):
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True, help_text="Shown to staff only.")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "time off"
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.therapist}: time off from {self.starts_at:%Y-%m-%d %H:%M}"


class Closure(models.Model):
    """A whole day the clinic is closed (a public holiday), as a local clinic date."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"Closed {self.date:%Y-%m-%d}" + (f" ({self.reason})" if self.reason else "")


class BookingPolicy(models.Model):
    """The clinic's booking rules; a single row, edited by the manager in the admin."""

    SINGLETON_ID = 1

    min_notice = models.DurationField(
        default=timedelta(hours=12),
        help_text="Shortest time between booking and appointment, e.g. 12:00:00 for 12 hours.",
    )
    max_advance = models.DurationField(
        default=timedelta(days=90),
        help_text="How far ahead clients can book, e.g. 90 00:00:00 for 90 days.",
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Offered start times step by this many minutes from the start of each shift.",
    )
    cancellation_window = models.DurationField(
        default=timedelta(hours=24),
        help_text="A client cancelling later than this before the start is a late cancellation.",
    )
    check_in_opens = models.DurationField(
        default=timedelta(hours=1),
        help_text="How long before the start a client can be checked in (on the day only), "
        "e.g. 01:00:00 for an hour. No-show and completed are possible only after the start.",
    )
    cancellation_policy_text = models.TextField(
        blank=True,
        default=(
            "Please give us at least 24 hours' notice if you need to cancel or move an "
            "appointment. Late cancellations and missed appointments may be charged."
        ),
        help_text="Shown to clients when they book and in confirmation emails.",
    )

    class Meta:
        verbose_name = "booking policy"
        verbose_name_plural = "booking policy"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="%(app_label)s_%(class)s_single_row"),
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gte=5, slot_step_minutes__lte=120),
                name="%(app_label)s_%(class)s_step_range",
            ),
            models.CheckConstraint(
                condition=Q(min_notice__gte=timedelta(0), cancellation_window__gte=timedelta(0))
                & Q(max_advance__gt=timedelta(0), check_in_opens__gte=timedelta(0)),
                name="%(app_label)s_%(class)s_windows_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return "Booking policy"

    @classmethod
    def current(cls) -> BookingPolicy:
        """The policy row (migration 0003 creates it). Should it be missing, the defaults,
        unsaved: reading never writes; saving the policy in the admin creates the row."""
        try:
            return cls.objects.get(pk=cls.SINGLETON_ID)
        except cls.DoesNotExist:
            return cls(pk=cls.SINGLETON_ID)

    def for_staff(self) -> BookingPolicy:
        """The windows staff book within: the notice and advance limits are for clients
        booking online, while the front desk books same-day walk-ins and long courses. Still
        never in the past, and the same grid, hours and overlap rules. Unsaved copy."""
        staff = copy.copy(self)
        staff.min_notice = timedelta(0)
        staff.max_advance = max(self.max_advance, STAFF_MAX_ADVANCE)
        return staff
