import secrets

from django.db import migrations, models


def seed(apps, schema_editor):
    # A new database starts with new tokens: a shared cache may hold another database's
    # values under the tokens it had.
    Generation = apps.get_model("clinic", "Generation")
    Generation.objects.using(schema_editor.connection.alias).bulk_create(
        Generation(name=name, token=secrets.token_hex(8))
        for name in ("diary", "clients", "catalogue")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_client_names_hold_160_characters"),
    ]

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=32)),
            ],
            options={"default_permissions": ()},
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
