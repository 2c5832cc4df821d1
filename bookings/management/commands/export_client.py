"""Write one person's complete records to a ZIP (right of access), logged as an export."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from bookings.management.lookup import client_by_ref, staff_by_username
from bookings.services.privacy import client_export


class Command(BaseCommand):
    help = "Export everything held about one client (by id or email) to a ZIP file."

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's id or email address.")
        parser.add_argument("--by", required=True, help="Username of the staff member producing it (logged).")
        parser.add_argument("--out", help="Where to write the ZIP (default: client-<id>.zip here).")

    def handle(self, *args, **options):
        client = client_by_ref(options["client"])
        user = staff_by_username(options["by"])
        out = Path(options["out"] or f"client-{client.pk}.zip")
        out.write_bytes(client_export(client=client, by=user))
        self.stdout.write(f"Wrote {out} ({out.stat().st_size} bytes); the export is logged.")
