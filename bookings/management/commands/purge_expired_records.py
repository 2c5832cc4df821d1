"""Remove clinical records whose retention period is over, leaving tombstones in the access
log. `--dry-run` lists what would go and changes nothing. Safe to run twice at once."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bookings.services.privacy import purge_expired_records


class Command(BaseCommand):
    help = "Remove clinical records past RECORDS_RETENTION_YEARS after the last visit (tombstones stay)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; change nothing.")
        parser.add_argument("--by", help="Username of the staff member authorising it (logged); the scheduled job runs without one.")

    def handle(self, *args, **options):
        user = None
        if options["by"]:
            user = get_user_model().objects.filter(username=options["by"], is_staff=True, is_active=True).first()
            if user is None:
                raise CommandError(f"No active staff member with username {options['by']!r}.")
        removals = purge_expired_records(by=user, dry_run=options["dry_run"])
        verb = "Would remove" if options["dry_run"] else "Removed"
        for r in removals:
            kinds = ", ".join(f"{label} {count}" for label, count in sorted(r.counts.items()) if count)
            self.stdout.write(
                f"{verb} client #{r.client.pk} (last visit {r.retention.last_visit}, kept until "
                f"{r.retention.keep_until}): {kinds}"
            )
        self.stdout.write(
            f"{verb} the records of {len(removals)} client(s); retention is {settings.RECORDS_RETENTION_YEARS} years."
        )
