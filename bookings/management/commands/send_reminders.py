"""Email reminders for appointments in the next hours; safe to run from cron every 15 min."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bookings.services.reminders import reminders_send


class Command(BaseCommand):
    help = "Email clients a reminder of appointments starting within the window (once each)."

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
        self.stdout.write(f"Sent {sent} reminder(s).")
