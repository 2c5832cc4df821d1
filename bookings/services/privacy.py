"""A person's own copy of everything the clinic holds about them (right of access).

`client_export` walks every relation that leads back to the client, through the models of
our three apps, the way Django's deletion collector does: rows that point at the client,
then rows that point at those, and so on. A model added later that holds a person's data
is exported without anyone remembering to add it here (a test walks the relations and
fails if one is missed). Secrets (token hashes, idempotency keys, passwords) are never
exported. Producing an export writes one access-log row.

The ZIP holds `export.json` (machine-readable), `export.html` (for people; print it or open
it in a browser) and any uploaded clearance documents.
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

from django.db import models
from django.db.models import ForeignObjectRel
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.duration import duration_iso_string

from bookings.models.notes import AccessAction
from bookings.services.notes import access_record
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
        for name, stored in export.files:
            try:
                with stored.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                archive.writestr(name + ".missing.txt", "The stored file could not be found.")
    access_record(user=by, action=AccessAction.EXPORT, obj=client, client=client, ip=ip)
    return buffer.getvalue()

