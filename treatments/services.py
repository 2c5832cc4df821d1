"""Writes for clinical safety: the versioned catalogue and the client's health record.

Every write to a health record goes through a service here and leaves a HealthRecordChange
row (who, when, old and new values); nothing uses `QuerySet.update()`, which would skip it.
Catalogue edits never change a version in place: they add a new one and move the item's
pointer. Clinical text is never logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from clinic.models import Client
from clinic.validation import validate_row
from treatments.models import (
    VERSION_FIELDS,
    VERSION_M2M,
    AnswerValue,
    BodySite,
    ChangeKind,
    Consent,
    ConsentKind,
    ContraindicationAnswer,
    ContraindicationItem,
    ContraindicationVersion,
    HealthIntake,
    HealthRecordChange,
    MedicalClearance,
    TreatmentType,
)

CONSENT_ALREADY_WITHDRAWN = "This consent was already withdrawn."
UNKNOWN_ITEM = "There is no catalogue item with the code %(code)s."
ITEM_HAS_NO_VERSION = "This catalogue item has no version yet."
NOT_AN_INTAKE_FIELD = "%(field)s is not a field of the health intake."


INTAKE_FIELDS = (
    "medications",
    "pregnant",
    "pregnancy_notes",
    "allergies",
    "pressure_preference",
    "areas_to_avoid_notes",
    "cannot_lie_prone",
    "cannot_lie_supine",
    "cannot_lie_side",
    "position_notes",
)


# --- Catalogue --------------------------------------------------------------------------


def _codes(objs: Iterable[Any]) -> list[str]:
    return sorted(o if isinstance(o, str) else o.code for o in objs)


def _resolve(model, objs: Iterable[Any]) -> list[Any]:
    objs = list(objs)
    codes = [o for o in objs if isinstance(o, str)]
    found = list(model.objects.filter(code__in=codes)) if codes else []
    return [o for o in objs if not isinstance(o, str)] + found


@transaction.atomic
def catalogue_item_create(
    *,
    code: str,
    by: User | None,
    sort_order: int = 0,
    active: bool = True,
    now: dt.datetime | None = None,
    **content: Any,
) -> ContraindicationItem:
    """Add a catalogue item with its first version. `content`: the VERSION_FIELDS and,
    optionally, `treatment_types` and `body_sites` (instances or codes)."""
    item = ContraindicationItem(code=code, sort_order=sort_order, active=active)
    item.full_clean()
    item.save()
    _version_add(item=item, number=1, content=content, by=by, now=now)
    return item


@transaction.atomic
def catalogue_item_revise(
    *, item: ContraindicationItem, by: User | None, now: dt.datetime | None = None, **changes: Any
) -> ContraindicationVersion:
    """Make a new version of `item` from its current one with `changes` applied, and make it
    current. Old versions stay untouched (answers and notes refer to them). When nothing
    differs, returns the current version and adds none."""
    # Lock the item so two editors cannot both create version n+1.
    locked = ContraindicationItem.objects.select_for_update().get(pk=item.pk)
    current = locked.current_version
    if current is None:
        raise ValidationError(ITEM_HAS_NO_VERSION)
    content: dict[str, Any] = {f: getattr(current, f) for f in VERSION_FIELDS}
    content["treatment_types"] = list(current.treatment_types.all())
    content["body_sites"] = list(current.body_sites.all())
    unchanged = all(
        (_codes(changes[f]) == _codes(content[f])) if f in VERSION_M2M else changes[f] == content[f]
        for f in changes
    )
    if unchanged:
        return current
    content.update(changes)
    number = (locked.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = _version_add(item=locked, number=number, content=content, by=by, now=now)
    item.current_version = version
    return version


def _version_add(
    *, item: ContraindicationItem, number: int, content: dict[str, Any], by, now
) -> ContraindicationVersion:
    content = dict(content)
    types = _resolve(TreatmentType, content.pop("treatment_types", ()))
    sites = _resolve(BodySite, content.pop("body_sites", ()))
    unknown = set(content) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown version fields: {sorted(unknown)}")
    version = ContraindicationVersion(
        item=item, version=number, created_by=by, created_at=now or timezone.now(), **content
    )
    version.full_clean()
    version.save()
    version.treatment_types.set(types)
    version.body_sites.set(sites)
    item.current_version = version
    item.save(update_fields=["current_version"])
    return version


# --- Health record ----------------------------------------------------------------------


def _log(
    *, client: Client, obj, kind: str, changes: dict[str, Any], by, now: dt.datetime
) -> HealthRecordChange:
    return HealthRecordChange.objects.create(
        client=client,
        record_type=obj._meta.label_lower,
        record_id=obj.pk,
        kind=kind,
        changes=changes,
        changed_at=now,
        changed_by=by,
    )


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def intake_get_or_create(
    *, client: Client, by: User | None, now: dt.datetime | None = None
) -> HealthIntake:
    """The client's health intake, created (and logged) on first use."""
    intake = HealthIntake.objects.filter(client=client).first()
    if intake is not None:
        return intake
    now = now or timezone.now()
    with transaction.atomic():
        intake = HealthIntake(client=client, created_at=now)
        # One intake per client is the database's rule (a race ends in IntegrityError).
        validate_row(intake, trusted=["client"])
        intake.save()
        _log(client=client, obj=intake, kind=ChangeKind.CREATED, changes={}, by=by, now=now)
    return intake


@transaction.atomic
def intake_update(
    *, intake: HealthIntake, by: User | None, now: dt.datetime | None = None, **fields: Any
) -> HealthIntake:
    """Change intake fields (INTAKE_FIELDS, and `areas_to_avoid` as sites or codes); the
    old and new values are kept in the change history."""
    now = now or timezone.now()
    for name in fields:
        if name not in INTAKE_FIELDS and name != "areas_to_avoid":
            raise ValidationError(NOT_AN_INTAKE_FIELD, params={"field": name})
    fresh = HealthIntake.objects.select_for_update().get(pk=intake.pk)
    before: dict[str, Any] = {f: getattr(fresh, f) for f in INTAKE_FIELDS}
    before["areas_to_avoid"] = _codes(fresh.areas_to_avoid.all())
    areas = fields.pop("areas_to_avoid", None)
    for name, value in fields.items():
        setattr(intake, name, value)
    intake.full_clean()
    if fields:
        intake.save(update_fields=list(fields))
    after: dict[str, Any] = {f: getattr(intake, f) for f in fields}
    if areas is not None:
        sites = _resolve(BodySite, areas)
        intake.areas_to_avoid.set(sites)
        after["areas_to_avoid"] = _codes(sites)
    changes = _diff(before, after)
    if changes:
        _log(
            client=intake.client,
            obj=intake,
            kind=ChangeKind.CHANGED,
            changes=changes,
            by=by,
            now=now,
        )
    return intake


@transaction.atomic
def intake_mark_reviewed(
    *, intake: HealthIntake, by: User | None, now: dt.datetime | None = None
) -> HealthIntake:
    """Record that the intake was reviewed with the client (e.g. at the start of a visit)."""
    now = now or timezone.now()
    intake.last_reviewed_at = now
    intake.last_reviewed_by = by
    intake.save(update_fields=["last_reviewed_at", "last_reviewed_by"])
    _log(client=intake.client, obj=intake, kind=ChangeKind.REVIEWED, changes={}, by=by, now=now)
    return intake


def _answer_value(value: Any) -> str:
    if value is True:
        return AnswerValue.YES
    if value is False:
        return AnswerValue.NO
    return str(value)


@transaction.atomic
def answer_record(
    *,
    intake: HealthIntake,
    item: ContraindicationItem | str,
    answer: str | bool,
    by: User | None,
    detail: str = "",
    now: dt.datetime | None = None,
) -> ContraindicationAnswer:
    """Record the client's answer to one item against the item's current version."""
    now = now or timezone.now()
    if isinstance(item, str):
        found = ContraindicationItem.objects.filter(code=item).first()
        if found is None:
            raise ValidationError(UNKNOWN_ITEM, params={"code": item})
        item = found
    # Read the pointer afresh: the caller's item may predate a catalogue edit.
    current_version_id = (
        ContraindicationItem.objects.filter(pk=item.pk)
        .values_list("current_version", flat=True)
        .get()
    )
    if current_version_id is None:
        raise ValidationError(ITEM_HAS_NO_VERSION)
    row = (
        ContraindicationAnswer.objects.select_for_update().filter(intake=intake, item=item).first()
    )
    before = (
        {"answer": row.answer, "detail": row.detail, "version": row.version_id}
        if row
        else {"item": None}
    )
    if row is None:
        row = ContraindicationAnswer(intake=intake, item=item)
    row.version_id = current_version_id
    row.answer = _answer_value(answer)
    row.detail = detail
    row.answered_at = now
    row.recorded_by = by
    row.full_clean()
    created = row._state.adding
    row.save()
    after = {"answer": row.answer, "detail": row.detail, "version": row.version_id}
    if created:
        after["item"] = item.code
    changes = _diff(before, after)
    if changes:
        _log(
            client=intake.client,
            obj=row,
            kind=ChangeKind.CREATED if created else ChangeKind.CHANGED,
            changes=changes,
            by=by,
            now=now,
        )
    return row


@transaction.atomic
def answers_record(
    *,
    intake: HealthIntake,
    answers: Mapping[str, Any],
    by: User | None,
    now: dt.datetime | None = None,
) -> list[ContraindicationAnswer]:
    """Record several answers (code -> value, or code -> (value, detail)) in one go.

    The same rows, versions and history as `answer_record` called once per answer in this
    order, in a handful of queries whatever the number of answers: one read of the items
    with their current versions, one locked read of the existing answers, then bulk writes.
    All or nothing: an unknown code or an invalid value writes no answer at all."""
    now = now or timezone.now()
    parsed = [
        (code, *(value if isinstance(value, tuple) else (value, ""))) for code, value in answers.items()
    ]
    if not parsed:
        return []
    # Read the pointers afresh (with the versions, for the item check in `clean()`): the
    # caller's catalogue may predate an edit.
    items = {
        item.code: item
        for item in ContraindicationItem.objects.select_related("current_version").filter(
            code__in=[code for code, _, _ in parsed]
        )
    }
    for code, _, _ in parsed:
        if code not in items:
            raise ValidationError(UNKNOWN_ITEM, params={"code": code})
        if items[code].current_version is None:
            raise ValidationError(ITEM_HAS_NO_VERSION)
    existing = {
        row.item_id: row
        for row in ContraindicationAnswer.objects.select_for_update().filter(
            intake=intake, item__in=[item.pk for item in items.values()]
        )
    }
    rows: list[ContraindicationAnswer] = []
    new_rows: list[ContraindicationAnswer] = []
    changed_rows: list[ContraindicationAnswer] = []
    history: list[tuple[ContraindicationAnswer, bool, dict[str, list[Any]]]] = []
    for code, answer, detail in parsed:
        item = items[code]
        found = existing.get(item.pk)
        before: dict[str, Any] = (
            {"answer": found.answer, "detail": found.detail, "version": found.version_id}
            if found
            else {"item": None}
        )
        created = found is None
        row = ContraindicationAnswer(intake=intake, item=item) if found is None else found
        version = item.current_version
        assert version is not None  # checked for every item above
        row.version = version
        row.answer = _answer_value(answer)
        row.detail = detail
        row.answered_at = now
        row.recorded_by = by
        # The related rows were just read (or are the caller's saved intake and user), and
        # the one-answer-per-item rule is the database's: validating them again would cost
        # a query per answer. `clean()` still checks the version belongs to the item.
        validate_row(row, trusted=["intake", "item", "version", "recorded_by"])
        (new_rows if created else changed_rows).append(row)
        rows.append(row)
        after = {"answer": row.answer, "detail": row.detail, "version": row.version_id}
        if created:
            after["item"] = item.code
        history.append((row, created, _diff(before, after)))
    ContraindicationAnswer.objects.bulk_create(new_rows)
    if changed_rows:
        ContraindicationAnswer.objects.bulk_update(
            changed_rows, ["version", "answer", "detail", "answered_at", "recorded_by"]
        )
    HealthRecordChange.objects.bulk_create(
        HealthRecordChange(
            client_id=intake.client_id,
            record_type=row._meta.label_lower,
            record_id=row.pk,
            kind=ChangeKind.CREATED if created else ChangeKind.CHANGED,
            changes=changes,
            changed_at=now,
            changed_by=by,
        )
        for row, created, changes in history
        if changes
    )
    return rows


@transaction.atomic
def consent_give(
    *,
    client: Client,
    kind: str,
    method: str,
    by: User | None,
    region: str = "",
    given_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Consent:
    """Record a consent the client gave (sensitive-area consent: one region, in writing)."""
    now = now or timezone.now()
    intake = intake_get_or_create(client=client, by=by, now=now)
    consent = Consent(
        intake=intake,
        kind=kind,
        region=region if kind == ConsentKind.SENSITIVE_AREA else "",
        method=method,
        given_at=given_at or now,
        expires_at=expires_at,
        recorded_by=by,
    )
    validate_row(consent, trusted=["intake", "recorded_by"])
    consent.save()
    changes = {
        "kind": [None, consent.kind],
        "region": [None, consent.region],
        "method": [None, consent.method],
        "given_at": [None, consent.given_at],
        "expires_at": [None, consent.expires_at],
    }
    _log(client=client, obj=consent, kind=ChangeKind.CREATED, changes=changes, by=by, now=now)
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    by: User | None,
    withdrawn_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Consent:
    """The client withdraws a consent (from `withdrawn_at`, default now); the record stays."""
    now = now or timezone.now()
    withdrawn_at = withdrawn_at or now
    fresh = Consent.objects.select_for_update().select_related("intake").get(pk=consent.pk)
    if fresh.withdrawn_at is not None:
        raise ValidationError(CONSENT_ALREADY_WITHDRAWN)
    fresh.withdrawn_at = withdrawn_at
    fresh.full_clean()
    fresh.save(update_fields=["withdrawn_at"])
    consent.withdrawn_at = withdrawn_at
    _log(
        client=fresh.intake.client,
        obj=fresh,
        kind=ChangeKind.WITHDRAWN,
        changes={"withdrawn_at": [None, withdrawn_at]},
        by=by,
        now=now,
    )
    return fresh


@transaction.atomic
def clearance_record(
    *,
    client: Client,
    given_by: str,
    given_on: dt.date,
    by: User | None,
    items: Iterable[ContraindicationItem | str] = (),
    scope_notes: str = "",
    document=None,
    expires_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> MedicalClearance:
    """Record a written medical clearance. Screening honours it for `items` until
    `expires_on` (inclusive); `scope_notes` alone covers nothing automatically."""
    now = now or timezone.now()
    clearance = MedicalClearance(
        client=client,
        given_by=given_by,
        given_on=given_on,
        scope_notes=scope_notes,
        expires_on=expires_on,
        recorded_by=by,
        recorded_at=now,
    )
    if document is not None:
        clearance.document = document
    clearance.full_clean()
    clearance.save()
    covered = _resolve(ContraindicationItem, items)
    clearance.items.set(covered)
    changes = {
        "given_by": [None, given_by],
        "given_on": [None, given_on],
        "expires_on": [None, expires_on],
        "items": [None, _codes(covered)],
        "scope_notes": [None, scope_notes],
        "document": [None, bool(clearance.document)],
    }
    _log(client=client, obj=clearance, kind=ChangeKind.CREATED, changes=changes, by=by, now=now)
    return clearance
