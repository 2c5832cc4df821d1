"""Rows written once are unchangeable in the database too, not only in the model.

Refused for every UPDATE, whatever path the SQL comes from: a completed outcome
questionnaire (bookings_outcomeresponse), the health record's change history
(treatments_healthrecordchange) and the catalogue's item versions
(treatments_contraindicationversion), which old answers and notes point to for the wording
they were answered with. `AppendOnlyModel` already refuses `save()` of an existing row and
queryset `update()`; these triggers close raw SQL and `_raw_update`-style paths.

DELETE is not guarded here: the retention purge and erasure remove a client's responses and
history (bookings.services.privacy), and versions are protected by their foreign keys.

PostgreSQL: one plpgsql trigger function raising SQLSTATE 23000; SQLite: triggers raising
ABORT. Both surface in Django as IntegrityError. As with 0021, a later migration that
rebuilds one of these tables on SQLite drops its trigger and must re-create it (the guard's
tests fail if it does not).
"""

from django.db import migrations

TABLES = (
    "bookings_outcomeresponse",
    "treatments_healthrecordchange",
    "treatments_contraindicationversion",
)

PG_FUNCTION = """
CREATE FUNCTION bookings_guard_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%_is_written_once', TG_TABLE_NAME USING ERRCODE = '23000';
END $$;
"""


def _name(table: str) -> str:
    return f"{table}_no_update"


def guards_on(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {_name(table)} BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}_is_written_once'); END;",
                params=None,
            )
    elif vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {_name(table)} BEFORE UPDATE ON {table} FOR EACH ROW "
                "EXECUTE FUNCTION bookings_guard_written_once()",
                params=None,
            )


def guards_off(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)}", params=None)
    elif vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_guard_written_once()", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0023_access_tombstones"),
        ("treatments", "0007_infection_risk_questions"),
    ]

    operations = [
        migrations.RunPython(guards_on, guards_off, elidable=False),
    ]
