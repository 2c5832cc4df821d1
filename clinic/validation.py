"""Validating a row a service builds, without a query per rule.

`Model.full_clean()` asks the database once per foreign key (does the row exist?), once per
unique field, and three times per check constraint (a savepoint, a `SELECT 1 WHERE ...` and
its release). A booking ran dozens of such queries for values the service had just read.
`validate_row` checks the same fields and check constraints, evaluating each constraint's
condition in Python with the database's meaning (a condition that is NULL passes); a
condition it cannot evaluate (a join, a function) is still asked of the database. It leaves
to the database what the database enforces anyway and the caller turns into a refusal:
uniqueness, exclusion constraints, and the foreign keys the caller names as `trusted`.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import CheckConstraint, F, Model, Q

_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


class _Unsupported(Exception):
    pass


def _value(instance: Model, name: str) -> Any:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Unsupported(name) from None
    if not field.concrete or field.many_to_many:
        raise _Unsupported(name)
    return getattr(instance, field.attname)


def _lookup(instance: Model, key: str, expected: Any) -> bool | None:
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    if isinstance(expected, F):
        expected = _value(instance, expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise _Unsupported(key)
    actual = _value(instance, name)
    if lookup == "isnull":
        return (actual is None) == bool(expected)
    if lookup == "exact" and expected is None:
        return actual is None
    if actual is None or expected is None:
        return None  # SQL's unknown
    if lookup == "exact":
        return actual == expected
    if lookup == "in":
        return actual in expected
    if lookup in _COMPARE:
        try:
            return _COMPARE[lookup](actual, expected)
        except TypeError:
            raise _Unsupported(key) from None
    raise _Unsupported(key)


def _holds(condition: Q, instance: Model) -> bool | None:
    """The condition's three-valued truth for the row, as SQL would compute it."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_holds(child, instance))
        elif isinstance(child, tuple) and len(child) == 2:
            results.append(_lookup(instance, *child))
        else:
            raise _Unsupported(child)
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        raise _Unsupported(condition.connector)
    return None if result is None else (not result if condition.negated else result)


def _fields(condition: Q) -> set[str]:
    names = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= _fields(child)
        elif isinstance(child, tuple) and len(child) == 2:
            names.add(child[0].split("__", 1)[0])
            if isinstance(child[1], F):
                names.add(child[1].name)
    return names


def validate_row(instance: Model, *, trusted: Iterable[str] = ()) -> None:
    """`full_clean()` for a row a service is about to save, minus the database round trips:
    fields (except the foreign keys in `trusted`, instances the caller just read), `clean()`
    and every check constraint. Raises the ValidationError `full_clean()` would: every
    problem found, constraints on fields that already failed left out."""
    errors: dict = {}
    try:
        instance.full_clean(exclude=list(trusted), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    failed = {name for name in errors if name != NON_FIELD_ERRORS}
    model = type(instance)
    for constraint in model._meta.constraints:
        if not isinstance(constraint, CheckConstraint) or _fields(constraint.condition) & failed:
            continue
        try:
            holds = _holds(constraint.condition, instance)
        except _Unsupported:
            try:
                constraint.validate(model, instance, exclude=failed)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            continue
        if holds is False:
            errors = ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            ).update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
