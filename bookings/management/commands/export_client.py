"""Write one person's complete records to a ZIP (right of access), logged as an export."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bookings.services.privacy import client_export
from clinic.models import Client


class Command(BaseCommand):
    help = "Export everything held about one client (by id or email) to a ZIP file."

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's id or email address.")
        parser.add_argument("--by", required=True, help="Username of the staff member producing it (logged).")
        parser.add_argument("--out", help="Where to write the ZIP (default: client-<id>.zip here).")

    def handle(self, *args, **options):
        ref = options["client"].strip()
        client = (
            Client.objects.filter(pk=int(ref)).first() if ref.isdigit() else Client.objects.filter(email__iexact=ref).first()
        )
        if client is None:
            raise CommandError(f"No client with id or email {ref!r}.")
        user = get_user_model().objects.filter(username=options["by"], is_staff=True, is_active=True).first()
        if user is None:
            raise CommandError(f"No active staff member with username {options['by']!r}.")
        out = Path(options["out"] or f"client-{client.pk}.zip")
        out.write_bytes(client_export(client=client, by=user))
        self.stdout.write(f"Wrote {out} ({out.stat().st_size} bytes); the export is logged.")
