"""Every appointment records the cancellation window it was booked under, and whether the
client moved it inside that window; the policy gains when check-in opens; and the
database refuses one client in two places at once (two active appointments of a client
overlapping in [starts_at, ends_at)): an exclusion constraint on PostgreSQL, triggers on
SQLite. Adding the columns rebuilds the table on SQLite, which drops its triggers, so
all guard triggers are created again at the end (`bookings.db_guards`).

Existing rows take the window their client accepted (online bookings) or the current
policy's window rounded up to whole hours (staff bookings), as the booking service does.
"""

import importlib
from datetime import timedelta

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import migrations, models
from django.db.models import Q

from bookings.db_guards import sqlite_trigger_operations

_0002 = importlib.import_module("bookings.migrations.0002_appointment_no_overlap")
OnVendor, AddConstraintToDatabase, TsTzRange = (
    _0002.OnVendor, _0002.AddConstraintToDatabase, _0002.TsTzRange
)

CLIENT_NO_OVERLAP = ExclusionConstraint(
    name="bookings_appointment_no_client_overlap",
    expressions=[
        (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ("client", RangeOperators.EQUAL),
    ],
    condition=~Q(status__in=("cancelled", "no_show")),
    violation_error_message="The client already has an appointment at that time.",
)


def record_windows(apps, schema_editor):
    Appointment = apps.get_model("bookings", "Appointment")
    OnlineBooking = apps.get_model("bookings", "OnlineBooking")
    BookingPolicy = apps.get_model("bookings", "BookingPolicy")
    policy = BookingPolicy.objects.filter(pk=1).first()
    seconds = int(policy.cancellation_window.total_seconds()) if policy else 24 * 3600
    Appointment.objects.update(cancellation_window=timedelta(hours=-(-seconds // 3600)))
    for appointment_id, hours in OnlineBooking.objects.values_list(
        "appointment_id", "cancellation_window_hours"
    ):
        Appointment.objects.filter(pk=appointment_id).update(
            cancellation_window=timedelta(hours=hours)
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0021_signed_notes_immutable")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="cancellation_window",
            field=models.DurationField(
                default=timedelta(hours=24),
                help_text="The cancellation window the booking was made under.",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="changed_late",
            field=models.BooleanField(
                default=False,
                help_text="The client moved it inside the cancellation window; cancelling it is late.",
            ),
        ),
        migrations.RunPython(record_windows, migrations.RunPython.noop),
        migrations.AddField(
            model_name="bookingpolicy",
            name="check_in_opens",
            field=models.DurationField(
                default=timedelta(hours=1),
                help_text="How long before the start a client can be checked in (on the day only), "
                "e.g. 01:00:00 for an hour. No-show and completed are possible only after the start.",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="bookingpolicy", name="bookings_bookingpolicy_windows_not_negative"
        ),
        migrations.AddConstraint(
            model_name="bookingpolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("cancellation_window__gte", timedelta(0)), ("min_notice__gte", timedelta(0))
                )
                & models.Q(("check_in_opens__gte", timedelta(0)), ("max_advance__gt", timedelta(0))),
                name="bookings_bookingpolicy_windows_not_negative",
            ),
        ),
        OnVendor("postgresql", AddConstraintToDatabase("appointment", CLIENT_NO_OVERLAP)),
        *(OnVendor("sqlite", op) for op in sqlite_trigger_operations()),
    ]
