# Reserved for one capability so parallel work keeps a single, linear migration history.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bookings", "0010_session_notes")]

    operations = [
        # Claimed by send_reminders with a conditional update before the email is sent.
        migrations.AddField(
            model_name="appointment",
            name="reminder_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
