"""The background worker: runs queued jobs (django-tasks-db's `db_worker`) and, in a thread
beside it, queues the upkeep jobs when they are due (`bookings.services.upkeep`).

Run as many as needed (README, "Background work"): jobs are claimed with row locks, and
each upkeep period is queued once however many workers check the schedule.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from bookings.services.upkeep import upkeep_enqueue_due

logger = logging.getLogger(__name__)


def _schedule_loop() -> None:
    while True:
        try:
            upkeep_enqueue_due()
        except Exception:
            # A database hiccup must not stop the schedule: log it and try at the next tick.
            logger.exception("the upkeep schedule could not be checked")
        finally:
            connection.close()
        time.sleep(settings.UPKEEP_TICK_SECONDS)


class Command(DbWorkerCommand):
    help = "Run queued jobs (emails, upkeep) and keep the upkeep schedule."

    def handle(self, *args, **options) -> None:
        # Under the autoreloader handle() runs in the watching parent too; only the child
        # that runs jobs keeps the schedule.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(target=_schedule_loop, name="upkeep", daemon=True).start()
        super().handle(*args, **options)
