"""Answer a request to erase a person: remove what no law asks the clinic to keep, and say
what must stay and until when. `--dry-run` says it without changing anything."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bookings.services.privacy import client_erase
from clinic.models import Client


class Command(BaseCommand):
    help = "Erase one client (by id or email) as far as the retention duty allows."

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's id or email address.")
        parser.add_argument("--by", required=True, help="Username of the staff member doing it (logged).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen; change nothing.")

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
        removal = client_erase(client=client, by=user, dry_run=options["dry_run"])
        verb = "Would remove" if options["dry_run"] else "Removed"
        kinds = ", ".join(f"{label} {count}" for label, count in sorted(removal.counts.items()) if count) or "nothing"
        self.stdout.write(f"{verb}: {kinds}.")
        if removal.kept:
            self.stdout.write(removal.kept)
        elif not options["dry_run"]:
            self.stdout.write("The client's details now read 'Erased'; appointments and the access log remain.")
