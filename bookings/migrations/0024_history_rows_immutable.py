"""Rows written once are unchangeable in the database too, not only in the model.

Refused for every UPDATE, whatever path the SQL comes from: a completed outcome
questionnaire (bookings_outcomeresponse), the health record's change history
(treatments_healthrecordchange) and the catalogue's item versions
(treatments_contraindicationversion), which old answers and notes point to for the wording
they were answered with. `AppendOnlyModel` already refuses `save()` of an existing row and
queryset `update()`; these triggers close raw SQL and `_raw_update`-style paths.

An UPDATE that writes back the same values changes nothing and is let through: Django's
deserialisation (the test runner's serialised rollback, `loaddata`) saves existing rows that
way, with timestamps at the serialisers' precision (milliseconds), so timestamps are compared
to the millisecond. Any other change to any column is refused.

DELETE is not guarded here: the retention purge and erasure remove a client's responses and
history (bookings.services.privacy), and versions are protected by their foreign keys.

PostgreSQL: one plpgsql trigger function raising SQLSTATE 23000; SQLite: triggers raising
ABORT. Both surface in Django as IntegrityError. As with 0021, a later migration that
rebuilds one of these tables on SQLite drops its trigger and must re-create it (the guard's
tests fail if it does not).
"""

from django.db import migrations

MODELS = (
    ("bookings", "OutcomeResponse"),
    ("treatments", "HealthRecordChange"),
    ("treatments", "ContraindicationVersion"),
)

PG_FUNCTION = """
CREATE FUNCTION bookings_guard_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%_is_written_once', TG_TABLE_NAME USING ERRCODE = '23000';
END $$;
"""


def _name(table: str) -> str:
    return f"{table}_no_update"


def _tables(apps) -> list[tuple[str, list[tuple[str, bool]]]]:
    """(table, its columns as (name, is a timestamp)) of each guarded model, as they stand
    at this migration."""
    out = []
    for app_label, name in MODELS:
        meta = apps.get_model(app_label, name)._meta
        out.append(
            (meta.db_table, [(f.column, f.get_internal_type() == "DateTimeField") for f in meta.concrete_fields])
        )
    return out


def _changed(vendor: str, columns: list[tuple[str, bool]]) -> str:
    """SQL true when an UPDATE changes any column (timestamps: to the millisecond)."""
    parts = []
    for column, timestamp in columns:
        old, new = f'OLD."{column}"', f'NEW."{column}"'
        if timestamp and vendor == "sqlite":  # stored as text: 'YYYY-MM-DD HH:MM:SS.ffffff'
            old, new = f"substr({old}, 1, 23)", f"substr({new}, 1, 23)"
        elif timestamp:
            old, new = f"date_trunc('milliseconds', {old})", f"date_trunc('milliseconds', {new})"
        parts.append(f"{new} IS NOT {old}" if vendor == "sqlite" else f"{new} IS DISTINCT FROM {old}")
    return " OR ".join(parts)


def guards_on(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table, columns in _tables(apps):
            schema_editor.execute(
                f"CREATE TRIGGER {_name(table)} BEFORE UPDATE ON {table} WHEN {_changed(vendor, columns)} "
                f"BEGIN SELECT RAISE(ABORT, '{table}_is_written_once'); END;",
                params=None,
            )
    elif vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table, columns in _tables(apps):
            schema_editor.execute(
                f"CREATE TRIGGER {_name(table)} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({_changed(vendor, columns)}) EXECUTE FUNCTION bookings_guard_written_once()",
                params=None,
            )


def guards_off(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table, _columns in _tables(apps):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)}", params=None)
    elif vendor == "postgresql":
        for table, _columns in _tables(apps):
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
