"""Create the booking policy's single row with its defaults, so reading it is one query."""

from django.db import migrations


def create_policy(apps, schema_editor):
    BookingPolicy = apps.get_model("bookings", "BookingPolicy")
    BookingPolicy.objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_appointment_no_overlap")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
