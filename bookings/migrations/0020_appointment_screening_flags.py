"""The screening flags every booking path records on the appointment.

On SQLite, Django adds a column with a default by rebuilding the table, and a rebuilt
table loses its triggers: the overlap guards of migration 0002 would silently vanish.
So on SQLite the columns are added with a plain ALTER TABLE (the column keeps a database
default of 0, which is harmless); every other database adds them the usual way.
"""

from django.db import migrations, models

FIELDS = [
    (
        "needs_consent",
        models.BooleanField(
            default=False, help_text="The treatment needs the client's written regional consent."
        ),
    ),
    (
        "needs_review",
        models.BooleanField(
            default=False,
            help_text="Red-flag questions unanswered or treatment refused: a clinician must review.",
        ),
    ),
]


class AddFieldKeepingTriggers(migrations.AddField):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        column = schema_editor.quote_name(model._meta.get_field(self.name).column)
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {column} bool NOT NULL DEFAULT 0")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        column = schema_editor.quote_name(model._meta.get_field(self.name).column)
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0019_booking_drafts_server_side")]

    operations = [
        AddFieldKeepingTriggers(model_name="appointment", name=name, field=field)
        for name, field in FIELDS
    ]
