# Reserved for one capability so parallel work keeps a single, linear migration history.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0012_online_booking")]

    operations = []
