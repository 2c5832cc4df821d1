"""A person's own copy of everything the clinic holds about them (right of access).

`client_export` walks every relation that leads back to the client, through the models of
our three apps, the way Django's deletion collector does: rows that point at the client,
then rows that point at those, and so on. A model added later that holds a person's data
is exported without anyone remembering to add it here (a test walks the relations and
fails if one is missed). Secrets (token hashes, idempotency keys, passwords) are never
exported. Producing an export writes one access-log row.

The ZIP holds `export.json` (machine-readable), `export.html` (for people; print it or open
it in a browser), `fhir-bundle.json` (the health-data standard: patient, appointments,
questionnaires and scores) and any uploaded clearance documents.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import ForeignObjectRel
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.duration import duration_iso_string

from bookings.fhir import client_bundle
from bookings.models import ATTENDED_STATUSES, AccessLog, Appointment
from bookings.models.notes import AccessAction
from bookings.services.notes import access_record
from clinic import generations
from clinic.models import Client

OUR_APPS = ("clinic", "treatments", "bookings")
# Never exported: these fields hold secrets or keys, not information about the person.
SECRET_FIELD_WORDS = ("token", "hash", "secret", "password", "idempotency", "key")
MAX_DEPTH = 4


def _is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_FIELD_WORDS)


def exported_relations() -> list[tuple[type[models.Model], str, type[models.Model]]]:
    """(model, field name, parent model) for every relation leading back to Client.

    Breadth first from Client over reverse foreign keys and one-to-ones (hidden ones too,
    such as the access log's), staying inside our apps."""
    out: list[tuple[type[models.Model], str, type[models.Model]]] = []
    seen: set[type[models.Model]] = {Client}
    frontier: list[type[models.Model]] = [Client]
    for _ in range(MAX_DEPTH):
        nxt: list[type[models.Model]] = []
        for parent in frontier:
            for rel in parent._meta.get_fields(include_hidden=True):
                if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
                    continue
                model = rel.related_model
                if not isinstance(model, type) or model._meta.app_label not in OUR_APPS or model in seen:
                    continue
                seen.add(model)
                out.append((model, rel.field.name, parent))
                nxt.append(model)
        frontier = nxt
    return out


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return value


def _row(obj: models.Model) -> dict[str, Any]:
    """The row's own fields, by their human names; relations as their display text."""
    row: dict[str, Any] = {"id": obj.pk}
    for f in obj._meta.concrete_fields:
        if _is_secret(f.name) or f.primary_key:
            continue
        if f.is_relation:
            target = getattr(obj, f.name)
            if target is None:
                row[f.name] = None
            elif target.__class__._meta.label == "auth.User":
                row[f.name] = target.get_full_name() or target.get_username()
            else:
                row[f.name] = str(target)
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.FileField):
            value = str(value) if value else ""
        row[f.name] = _value(value)
    for m2m in obj._meta.many_to_many:
        row[m2m.name] = [str(o) for o in getattr(obj, m2m.name).all()]
    return row


@dataclass
class Export:
    client: Client
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": "clinic-client-export/1",
            "produced_at": timezone.localtime().isoformat(),
            "client": self.sections["clinic.client"][0],
            "records": {label: rows for label, rows in self.sections.items() if label != "clinic.client"},
        }


def collect(client: Client) -> Export:
    """Every row about `client`, per model, in a fixed order."""
    export = Export(client=client)
    ids: dict[type[models.Model], list[Any]] = {Client: [client.pk]}
    rows_by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    rows_by_model[Client] = [client]
    for model, field_name, parent in exported_relations():
        parent_ids = ids.get(parent, [])
        objs = list(model._default_manager.filter(**{f"{field_name}__in": parent_ids}).order_by("pk")) if parent_ids else []
        rows_by_model[model] = objs
        ids[model] = [o.pk for o in objs]
    for model, objs in rows_by_model.items():
        label = model._meta.label_lower
        export.titles[label] = str(model._meta.verbose_name_plural).capitalize()
        export.sections[label] = [_row(o) for o in objs]
        export.columns[label] = [
            k for k in (export.sections[label][0].keys() if export.sections[label] else [])
        ]
        for o in objs:
            for f in o._meta.concrete_fields:
                if isinstance(f, models.FileField) and getattr(o, f.attname):
                    export.files.append((f"documents/{label}-{o.pk}{PurePosixPath(getattr(o, f.attname).name).suffix}", getattr(o, f.name)))
    return export


def client_export(*, client: Client, by, ip: str | None = None) -> bytes:
    """The ZIP of everything held about `client`; logged as an export by `by` (a staff user,
    or None when the client asked through the portal)."""
    export = collect(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(export.as_json(), indent=2, ensure_ascii=False))
        archive.writestr(
            "export.html",
            render_to_string(
                "bookings/privacy/export.html",
                {
                    "client": client,
                    "produced_at": timezone.localtime(),
                    "sections": [
                        (export.titles[label], export.columns[label], rows)
                        for label, rows in export.sections.items()
                    ],
                },
            ),
        )
        archive.writestr("fhir-bundle.json", client_bundle(client).model_dump_json(indent=2, exclude_none=True))
        for name, stored in export.files:
            try:
                with stored.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                archive.writestr(name + ".missing.txt", "The stored file could not be found.")
    access_record(user=by, action=AccessAction.EXPORT, obj=client, client=client, ip=ip)
    return buffer.getvalue()



# --- Retention and erasure ------------------------------------------------------------------

# What stays when clinical records are removed: who the client was, their appointments (the
# clinic's business record) and the audit trail, which holds no clinical content. Every other
# model that leads back to the client is a record to remove.
KEPT = frozenset(
    {"clinic.client", "bookings.appointment", "bookings.accesslog", "bookings.onlinebooking", "bookings.portaltoken"}
)
PURGE_REASON = "Retention period over ({years} years after the last visit on {last})."
ERASE_REASON = "Erased on the client's request; retention period over."
KEEP_SENTENCE = (
    "Clinical records must be kept until {until} ({years} years after the last visit on {last}); "
    "they and the contact details that identify them stay until then."
)
ERASED_NAME = "Erased"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Retention:
    client: Client
    last_visit: date
    keep_until: date

    def due(self, today: date) -> bool:
        return self.keep_until < today


def retention_of(client: Client, *, years: int | None = None) -> Retention:
    """How long `client`'s clinical records must be kept: `RECORDS_RETENTION_YEARS` after the
    last attended visit, and for someone who was a minor then, that many years after they
    turned 18 (the later of the two). With no visit, the record's last change counts."""
    years = settings.RECORDS_RETENTION_YEARS if years is None else years
    zone = timezone.get_current_timezone()
    last = (
        Appointment.objects.filter(client=client, status__in=ATTENDED_STATUSES)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if last is None:
        from treatments.models import HealthRecordChange

        last = (
            HealthRecordChange.objects.filter(client=client).order_by("-changed_at").values_list("changed_at", flat=True).first()
            or client.created_at
        )
    last_day = last.astimezone(zone).date()
    keep_until = _add_years(last_day, years)
    dob = client.date_of_birth
    if dob is not None and _add_years(dob, 18) > last_day:
        keep_until = max(keep_until, _add_years(dob, 18 + years))
    return Retention(client=client, last_visit=last_day, keep_until=keep_until)


def _delete_order(labels: set[str]) -> list[type[models.Model]]:
    """The models to remove, each after every model that points at it (children first;
    many-to-many link tables are models of the walk like any other)."""
    chosen = {apps.get_model(label) for label in labels}
    order: list[type[models.Model]] = []
    done: set[type[models.Model]] = set()

    def visit(model: type[models.Model], path: tuple = ()) -> None:
        if model in done:
            return
        for other in chosen:
            if other is model or other in path:
                continue
            if any(
                f.is_relation and f.concrete and f.related_model is model for f in other._meta.fields
            ):
                visit(other, (*path, model))
        done.add(model)
        order.append(model)

    for model in sorted(chosen, key=lambda m: m._meta.label):
        visit(model)
    return order


@dataclass
class Removal:
    """What a purge or erasure removed (or would remove): rows per class of record."""

    client: Client
    counts: dict[str, int] = field(default_factory=dict)
    retention: Retention | None = None
    kept: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _records(client: Client) -> tuple[dict[type[models.Model], list[Any]], list[Any]]:
    """The client's records to remove, per model (ids), and their stored files."""
    ids: dict[type[models.Model], list[Any]] = {Client: [client.pk]}
    for model, field_name, parent in exported_relations():
        parent_ids = ids.get(parent, [])
        ids[model] = (
            list(model._default_manager.filter(**{f"{field_name}__in": parent_ids}).values_list("pk", flat=True))
            if parent_ids
            else []
        )
    doomed = {m: pks for m, pks in ids.items() if m._meta.label_lower not in KEPT and pks}
    files = []
    for model, pks in doomed.items():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                files += [name for name in model._default_manager.filter(pk__in=pks).values_list(f.name, flat=True) if name]
    return doomed, files


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def records_remove(*, client: Client, by, reason: str, action: str, dry_run: bool = False) -> Removal:
    """Remove every record of `client` outside `KEPT`, through the one route the signed-note
    guards allow (a `RecordPurge` row per note, written in the same transaction), and leave
    one tombstone per class of record in the access log."""
    from bookings.models.notes import RecordPurge, SessionNote

    with transaction.atomic():
        doomed, files = _records(client)
        removal = Removal(client=client, counts={m._meta.label_lower: len(pks) for m, pks in doomed.items()})
        if dry_run or not doomed:
            return removal
        for note_id in doomed.get(SessionNote, []):
            RecordPurge.objects.create(note_id=note_id, client_id=client.pk, authorised_by=by, reason=reason[:240])
        for model in _delete_order({m._meta.label_lower for m in doomed}):
            # Raw deletes: no Python-level guard stands in the way, and the database's own
            # guards let these rows go only because of the RecordPurge rows above.
            model._default_manager.filter(pk__in=doomed[model])._raw_delete(using=model._default_manager.db)
        # Raw deletes send no signals; the schedule may show what went.
        generations.bump(generations.DIARY, generations.CLIENTS)
        for label, count in removal.counts.items():
            AccessLog.objects.create(
                user=by, action=action, object_type=label, object_id=f"{count} rows", client=client
            )
        transaction.on_commit(lambda: _delete_files(files))
    return removal


def purge_expired_records(*, by=None, today: date | None = None, dry_run: bool = False) -> list[Removal]:
    """Remove the clinical records of every client whose retention period is over. Safe to
    run twice at once: each client is handled in its own transaction under a row lock, and
    a second run finds nothing left to remove."""
    today = today or timezone.localdate()
    years = settings.RECORDS_RETENTION_YEARS
    out = []
    for client in Client.objects.order_by("pk").iterator():
        retention = retention_of(client, years=years)
        if not retention.due(today):
            continue
        with transaction.atomic():
            Client.objects.select_for_update().filter(pk=client.pk).exists()
            removal = records_remove(
                client=client,
                by=by,
                reason=PURGE_REASON.format(years=years, last=retention.last_visit),
                action=AccessAction.PURGE,
                dry_run=dry_run,
            )
        removal.retention = retention
        if removal.total:
            out.append(removal)
    return out


def client_erase(*, client: Client, by, today: date | None = None, dry_run: bool = False) -> Removal:
    """A request to erase a person. Past retention: their records go and their details are
    replaced by "Erased" (appointments and the audit trail keep a nameless client). Within
    retention: only what no law asks us to keep (portal sign-in links, unconfirmed online
    submissions) goes, and the answer says what stays and until when."""
    today = today or timezone.localdate()
    years = settings.RECORDS_RETENTION_YEARS
    retention = retention_of(client, years=years)
    if not retention.due(today):
        removal = Removal(client=client, retention=retention)
        removal.kept = KEEP_SENTENCE.format(until=retention.keep_until, years=years, last=retention.last_visit)
        tokens = client.portal_tokens.all()
        removal.counts["bookings.portaltoken"] = tokens.count()
        if not dry_run:
            with transaction.atomic():
                tokens.delete()
                AccessLog.objects.create(
                    user=by, action=AccessAction.ERASE, object_type="bookings.portaltoken",
                    object_id=f"{removal.counts['bookings.portaltoken']} rows", client=client,
                )
        return removal
    with transaction.atomic():
        removal = records_remove(client=client, by=by, reason=ERASE_REASON, action=AccessAction.ERASE, dry_run=dry_run)
        removal.retention = retention
        removal.counts["bookings.portaltoken"] = client.portal_tokens.count()
        if dry_run:
            return removal
        client.portal_tokens.all().delete()
        Client.objects.filter(pk=client.pk).update(
            first_name=ERASED_NAME, last_name="", email="", phone="", date_of_birth=None,
            emergency_contact_name="", emergency_contact_phone="", family_doctor="",
            front_desk_remarks="", user=None,
        )
        generations.bump(generations.CLIENTS)  # the schedule shows client names
        AccessLog.objects.create(
            user=by, action=AccessAction.ERASE, object_type="clinic.client", object_id="contact details", client=client
        )
    return removal
