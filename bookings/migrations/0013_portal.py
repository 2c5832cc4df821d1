# Reserved for one capability so parallel work keeps a single, linear migration history.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bookings", "0012_online_booking")]

    operations = [
        migrations.CreateModel(
            name='PortalToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='portal_tokens', to='clinic.client')),
            ],
            options={
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['client', 'created_at'], name='bookings_po_client__0be86f_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='bookings_portaltoken_expires_after_created'), models.CheckConstraint(condition=models.Q(('used_at__isnull', True), ('used_at__gte', models.F('created_at')), _connector='OR'), name='bookings_portaltoken_used_after_created')],
            },
        ),
    ]
