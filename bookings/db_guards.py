"""The database's overlap guards on appointments, for migrations to (re)create.

An active appointment (any status but cancelled and no-show) holds:
- its therapist and its room over [starts_at, buffer_ends_at) (treatment plus cleanup);
- its client over [starts_at, ends_at): one person is never in two places at once.

PostgreSQL enforces these with exclusion constraints (migrations 0002 and 0014), SQLite
with BEFORE INSERT/UPDATE triggers. SQLite drops a table's triggers whenever Django
rebuilds the table (most `AddField`/`AlterField` on Appointment do), so every migration
that alters the appointment table must end with `sqlite_trigger_operations()`.
"""

from __future__ import annotations

from django.db import migrations

# (column, end column) each guard compares on.
GUARDS = {
    "therapist": ("therapist_id", "buffer_ends_at"),
    "room": ("room_id", "buffer_ends_at"),
    "client": ("client_id", "ends_at"),
}


def _trigger(name: str, event: str, column: str, end: str) -> str:
    same_row = " AND a.id <> NEW.id" if event == "UPDATE" else ""
    return f"""
CREATE TRIGGER {name} BEFORE {event} ON bookings_appointment
WHEN NEW.status NOT IN ('cancelled', 'no_show') AND NEW.{column} IS NOT NULL AND EXISTS (
    SELECT 1 FROM bookings_appointment AS a
    WHERE a.{column} = NEW.{column}{same_row}
      AND a.status NOT IN ('cancelled', 'no_show')
      AND a.{end} > NEW.starts_at
      AND a.starts_at < NEW.{end}
)
BEGIN
    SELECT RAISE(ABORT, '{name}');
END;
"""


def sqlite_triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) for every guard, insert and update."""
    out = []
    for guard, (column, end) in GUARDS.items():
        for event, suffix in (("INSERT", "ins"), ("UPDATE", "upd")):
            name = f"bookings_appointment_no_{guard}_overlap_{suffix}"
            out.append((name, _trigger(name, event, column, end)))
    return out


def sqlite_trigger_operations() -> list[migrations.RunSQL]:
    """Drop and create every guard trigger (run on SQLite only, see `OnVendor`)."""
    return [
        migrations.RunSQL(
            [f"DROP TRIGGER IF EXISTS {name};", sql], f"DROP TRIGGER IF EXISTS {name};"
        )
        for name, sql in sqlite_triggers()
    ]
