"""Queue reminders for appointments in the next hours. The worker runs this sweep on its own
schedule; the command is for a one-off run, and is safe alongside it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bookings.services.reminders import reminders_send


class Command(BaseCommand):
    help = "Queue a reminder email for appointments starting within the window (once each)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--window-hours",
            type=int,
            default=None,
            help=f"Remind appointments starting within this many hours (default {settings.REMINDER_WINDOW_HOURS}).",
        )

    def handle(self, *args, window_hours: int | None = None, **options) -> None:
        try:
            sent = reminders_send(window_hours=window_hours)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Queued {sent} reminder(s).")
