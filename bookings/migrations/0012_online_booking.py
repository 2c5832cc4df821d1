# Reserved for one capability so parallel work keeps a single, linear migration history.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bookings", "0011_workspace")]

    operations = [
        migrations.CreateModel(
            name="OnlineBooking",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("manage_token", models.CharField(editable=False, max_length=64, unique=True)),
                ("idempotency_key", models.CharField(blank=True, max_length=100, null=True, unique=True)),
                ("therapist_chosen", models.BooleanField(default=True, help_text="False when the client had no preference of therapist.")),
                ("policy_text", models.TextField(help_text="The cancellation policy as the client accepted it.")),
                ("cancellation_window_hours", models.PositiveIntegerField(help_text="The cancellation window the client accepted, in hours.")),
                ("accepted_at", models.DateTimeField()),
                ("findings", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("appointment", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="online_booking", to="bookings.appointment")),
            ],
            options={
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("manage_token", ""), _negated=True), name="bookings_onlinebooking_token_set"),
                    models.CheckConstraint(
                        condition=models.Q(("idempotency_key__isnull", True), models.Q(("idempotency_key", ""), _negated=True), _connector="OR"),
                        name="bookings_onlinebooking_idempotency_key_not_blank",
                    ),
                ],
            },
        ),
    ]
