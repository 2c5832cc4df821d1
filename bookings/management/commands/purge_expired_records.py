"""Remove clinical records whose retention period is over, leaving tombstones in the access
log. `--dry-run` lists what would go and changes nothing. Safe to run twice at once."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from bookings.management.lookup import staff_by_username
from bookings.services.privacy import purge_expired_records


class Command(BaseCommand):
    help = "Remove clinical records past RECORDS_RETENTION_YEARS after the last visit (tombstones stay)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; change nothing.")
        parser.add_argument("--by", help="Username of the staff member authorising it (logged); the scheduled job runs without one.")

    def handle(self, *args, **options):
        user = staff_by_username(options["by"]) if options["by"] else None
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
