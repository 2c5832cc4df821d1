"""A signed note is immutable in the database itself, whatever path the SQL comes from.

Refused once the note is signed: UPDATE and DELETE of the note; INSERT, UPDATE and DELETE
of its checklist items, body-map entries and referrals. Addenda and access-log rows are
insert-only: UPDATE and DELETE are always refused. Drafts stay writable, and signing
itself (an UPDATE from 'draft') is allowed.

The one exception is the retention purge: a DELETE is let through when
bookings_recordpurge holds a row naming the note (access-log rows: the client). The purge
writes that row, with who authorised it and why, in the same transaction as its deletes
and keeps it as the record of the purge. No route lets an UPDATE through.

PostgreSQL: plpgsql trigger functions raising SQLSTATE 23000; SQLite: triggers raising
ABORT. Both surface in Django as IntegrityError. On SQLite a later migration that rebuilds
one of these tables (Django does that for most column changes) drops its triggers: such a
migration must re-create them (the tests of the guard fail if it does not).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PARTS = ("bookings_notechecklistitem", "bookings_bodymapentry", "bookings_notereferral")
INSERT_ONLY = ("bookings_noteaddendum", "bookings_accesslog")


def _raise(name: str) -> str:
    return f"SELECT RAISE(ABORT, '{name}');"


def _signed(expr: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM bookings_sessionnote AS n WHERE n.id = {expr} "
        "AND n.status = 'signed')"
    )


def _purged_note(expr: str) -> str:
    return f"EXISTS (SELECT 1 FROM bookings_recordpurge AS p WHERE p.note_id = {expr})"


def _purged_client(expr: str) -> str:
    return f"EXISTS (SELECT 1 FROM bookings_recordpurge AS p WHERE p.client_id = {expr})"


def _sqlite_trigger(name: str, when: str, table: str, condition: str | None) -> str:
    where = f"WHEN {condition} " if condition else ""
    return f"CREATE TRIGGER {name} BEFORE {when} ON {table} {where}BEGIN {_raise(name)} END;"


SQLITE = [
    (
        "bookings_sessionnote_signed_no_update",
        "UPDATE",
        "bookings_sessionnote",
        "OLD.status = 'signed'",
    ),
    (
        "bookings_sessionnote_signed_no_delete",
        "DELETE",
        "bookings_sessionnote",
        f"OLD.status = 'signed' AND NOT {_purged_note('OLD.id')}",
    ),
    *(
        row
        for table in PARTS
        for row in (
            (f"{table}_signed_no_insert", "INSERT", table, _signed("NEW.note_id")),
            (
                f"{table}_signed_no_update",
                "UPDATE",
                table,
                f"{_signed('OLD.note_id')} OR {_signed('NEW.note_id')}",
            ),
            (
                f"{table}_signed_no_delete",
                "DELETE",
                table,
                f"{_signed('OLD.note_id')} AND NOT {_purged_note('OLD.note_id')}",
            ),
        )
    ),
    ("bookings_noteaddendum_no_update", "UPDATE", "bookings_noteaddendum", None),
    (
        "bookings_noteaddendum_no_delete",
        "DELETE",
        "bookings_noteaddendum",
        f"NOT {_purged_note('OLD.note_id')}",
    ),
    ("bookings_accesslog_no_update", "UPDATE", "bookings_accesslog", None),
    (
        "bookings_accesslog_no_delete",
        "DELETE",
        "bookings_accesslog",
        f"NOT {_purged_client('OLD.client_id')}",
    ),
]

PG_FUNCTIONS = """
CREATE FUNCTION bookings_guard_signed_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM bookings_recordpurge AS p WHERE p.note_id = OLD.id
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'bookings_sessionnote_signed_is_read_only' USING ERRCODE = '23000';
END $$;

CREATE FUNCTION bookings_guard_note_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF EXISTS (
            SELECT 1 FROM bookings_sessionnote AS n WHERE n.id = OLD.note_id AND n.status = 'signed'
        ) THEN
            IF TG_OP = 'UPDATE' OR NOT EXISTS (
                SELECT 1 FROM bookings_recordpurge AS p WHERE p.note_id = OLD.note_id
            ) THEN
                RAISE EXCEPTION '%_signed_is_read_only', TG_TABLE_NAME USING ERRCODE = '23000';
            END IF;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF EXISTS (
            SELECT 1 FROM bookings_sessionnote AS n WHERE n.id = NEW.note_id AND n.status = 'signed'
        ) THEN
            RAISE EXCEPTION '%_signed_is_read_only', TG_TABLE_NAME USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$;

CREATE FUNCTION bookings_guard_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Nested IFs: plpgsql does not short-circuit AND, and each table has only one of
    -- the two columns.
    IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'bookings_accesslog' THEN
            IF EXISTS (
                SELECT 1 FROM bookings_recordpurge AS p WHERE p.client_id = OLD.client_id
            ) THEN
                RETURN OLD;
            END IF;
        ELSIF EXISTS (SELECT 1 FROM bookings_recordpurge AS p WHERE p.note_id = OLD.note_id) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '%_is_insert_only', TG_TABLE_NAME USING ERRCODE = '23000';
END $$;
"""

PG_TRIGGERS = [
    (
        "bookings_sessionnote_signed_guard",
        "BEFORE UPDATE OR DELETE ON bookings_sessionnote FOR EACH ROW "
        "WHEN (OLD.status = 'signed') EXECUTE FUNCTION bookings_guard_signed_note()",
        "bookings_sessionnote",
    ),
    *(
        (
            f"{table}_signed_guard",
            f"BEFORE INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION bookings_guard_note_part()",
            table,
        )
        for table in PARTS
    ),
    *(
        (
            f"{table}_insert_only",
            f"BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION bookings_guard_insert_only()",
            table,
        )
        for table in INSERT_ONLY
    ),
]
PG_FUNCTION_NAMES = (
    "bookings_guard_signed_note",
    "bookings_guard_note_part",
    "bookings_guard_insert_only",
)


def guards_on(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, when, table, condition in SQLITE:
            schema_editor.execute(_sqlite_trigger(name, when, table, condition), params=None)
    elif vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for name, body, _table in PG_TRIGGERS:
            schema_editor.execute(f"CREATE TRIGGER {name} {body}", params=None)


def guards_off(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, *_ in SQLITE:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
    elif vendor == "postgresql":
        for name, _body, table in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}", params=None)
        for name in PG_FUNCTION_NAMES:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0020_appointment_screening_flags'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RecordPurge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('note_id', models.BigIntegerField(db_index=True)),
                ('client_id', models.BigIntegerField(db_index=True)),
                ('authorised_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reason', models.CharField(max_length=240)),
                ('authorised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='bookings_recordpurge_reason_set')],
            },
        ),
        migrations.RunPython(guards_on, guards_off, elidable=False),
    ]
