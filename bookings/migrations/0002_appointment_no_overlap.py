"""The database refuses overlapping active appointments of one therapist or one room.

An appointment blocks [starts_at, buffer_ends_at): the treatment plus its cleanup buffer.
The range is half-open, so back-to-back appointments are allowed. Cancelled and no-show
rows never block.

- PostgreSQL: exclusion constraints over tstzrange(starts_at, buffer_ends_at, '[)') with the
  therapist (and the room), which need the btree_gist extension for the integer column.
- SQLite: BEFORE INSERT and BEFORE UPDATE triggers with the same meaning.

Both surface in Django as IntegrityError. The constraints are not in the model's Meta
(SQLite cannot parse EXCLUDE), so this migration applies each form only on its own
database and leaves the migration state untouched.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.migrations.operations.base import Operation
from django.db.models import Func, Q

INACTIVE = ("cancelled", "no_show")


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class OnVendor(Operation):
    """Run `operation` only on the named database vendor; the model state is unchanged."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, vendor, operation):
        self.vendor = vendor
        self.operation = operation

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"On {self.vendor}: {self.operation.describe()}"


class AddConstraintToDatabase(Operation):
    """Add a constraint in the database only (kept out of the state on purpose)."""

    reversible = True

    def __init__(self, model_name, constraint):
        self.model_name = model_name
        self.constraint = constraint

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.add_constraint(to_state.apps.get_model(app_label, self.model_name), self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.remove_constraint(
            from_state.apps.get_model(app_label, self.model_name), self.constraint
        )

    def describe(self):
        return f"Add constraint {self.constraint.name} to {self.model_name}"


def exclusion(name, column, condition):
    return ExclusionConstraint(
        name=name,
        expressions=[
            (TsTzRange("starts_at", "buffer_ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
            (column, RangeOperators.EQUAL),
        ],
        condition=condition,
        violation_error_message="That time has just been taken.",
    )


ACTIVE = ~Q(status__in=INACTIVE)

PG_OPERATIONS = [
    BtreeGistExtension(),
    AddConstraintToDatabase(
        "appointment", exclusion("bookings_appointment_no_therapist_overlap", "therapist", ACTIVE)
    ),
    AddConstraintToDatabase(
        "appointment",
        exclusion("bookings_appointment_no_room_overlap", "room", ACTIVE & Q(room__isnull=False)),
    ),
]


def sqlite_trigger(name, event, column):
    """A trigger refusing an active row that overlaps another active row on `column`."""
    same_row = " AND a.id <> NEW.id" if event == "UPDATE" else ""
    return f"""
CREATE TRIGGER {name} BEFORE {event} ON bookings_appointment
WHEN NEW.status NOT IN ('cancelled', 'no_show') AND NEW.{column} IS NOT NULL AND EXISTS (
    SELECT 1 FROM bookings_appointment AS a
    WHERE a.{column} = NEW.{column}{same_row}
      AND a.status NOT IN ('cancelled', 'no_show')
      AND a.buffer_ends_at > NEW.starts_at
      AND a.starts_at < NEW.buffer_ends_at
)
BEGIN
    SELECT RAISE(ABORT, '{name}');
END;
"""


SQLITE_TRIGGERS = [
    ("bookings_appointment_no_therapist_overlap_ins", "INSERT", "therapist_id"),
    ("bookings_appointment_no_therapist_overlap_upd", "UPDATE", "therapist_id"),
    ("bookings_appointment_no_room_overlap_ins", "INSERT", "room_id"),
    ("bookings_appointment_no_room_overlap_upd", "UPDATE", "room_id"),
]

SQLITE_OPERATIONS = [
    migrations.RunSQL(sqlite_trigger(name, event, column), f"DROP TRIGGER IF EXISTS {name};")
    for name, event, column in SQLITE_TRIGGERS
]


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        *(OnVendor("postgresql", op) for op in PG_OPERATIONS),
        *(OnVendor("sqlite", op) for op in SQLITE_OPERATIONS),
    ]
