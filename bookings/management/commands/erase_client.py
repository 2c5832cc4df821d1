"""Answer a request to erase a person: remove what no law asks the clinic to keep, and say
what must stay and until when. `--dry-run` says it without changing anything."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bookings.management.lookup import client_by_ref, staff_by_username
from bookings.services.privacy import client_erase


class Command(BaseCommand):
    help = "Erase one client (by id or email) as far as the retention duty allows."

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's id or email address.")
        parser.add_argument("--by", required=True, help="Username of the staff member doing it (logged).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen; change nothing.")

    def handle(self, *args, **options):
        client = client_by_ref(options["client"])
        user = staff_by_username(options["by"])
        removal = client_erase(client=client, by=user, dry_run=options["dry_run"])
        verb = "Would remove" if options["dry_run"] else "Removed"
        kinds = ", ".join(f"{label} {count}" for label, count in sorted(removal.counts.items()) if count) or "nothing"
        self.stdout.write(f"{verb}: {kinds}.")
        if removal.kept:
            self.stdout.write(removal.kept)
        elif not options["dry_run"]:
            self.stdout.write("The client's details now read 'Erased'; appointments and the access log remain.")
