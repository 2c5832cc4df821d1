"""Benchmark of the staff calendar's events endpoint: one day, a column per therapist.

    DJANGO_DEBUG=1 .venv/bin/python bench/staff_calendar.py [--size 50000] [--db sqlite|postgres|both]

Uses the benchmark clinic of bench/dataset.py (20 therapists, the future diary filled to
40%), in the same SQLite file and PostgreSQL database bench/slots.py builds, and times GET /api/staff/calendar for
one day and for one week in-process through Django's test client as a front-desk user:
the server time of the request (middleware, session, permissions, queries, JSON), median
and p95 of 50, CPU beside wall, and the query count.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import dataset  # noqa: E402
import slots  # noqa: E402

REPEAT = 50
TARGET_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50_000, help="appointments of history")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.db == "both":  # one process per database: it is chosen when Django starts
        for db in ("sqlite", "postgres"):
            if db == "sqlite" or dataset.postgres_ready(slots.database_url(db, args.size, dataset.THERAPISTS)):
                subprocess.run([sys.executable, __file__, "--size", str(args.size), "--db", db], check=True)
        return
    slots.setup_django(args.size, dataset.THERAPISTS, args.db)
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinic.roles import FRONT_DESK

    call_command("migrate", verbosity=0)
    if not dataset.is_built():
        dataset.build(args.size, slots.NOW, dataset.THERAPISTS)
    desk, _ = User.objects.get_or_create(username="bench-desk", defaults={"is_staff": True})
    desk.groups.add(Group.objects.get(name=FRONT_DESK))
    http = Client()
    http.force_login(desk)
    day = slots.NOW.date() + timedelta(days=3)
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[args.db]
    print(f"\n### Staff calendar ({name}, in-process), {dataset.THERAPISTS} therapists, {args.size:,} history\n")
    print("| range | events | wall median / p95 | CPU median | queries | target |")
    print("|---|---:|---:|---:|---:|---|")
    for label, days in (("one day", 1), ("one week", 7)):
        params = {"start": day.isoformat(), "end": (day + timedelta(days=days)).isoformat()}
        for _ in range(3):
            http.get("/api/staff/calendar", params)
        wall, cpu = [], []
        for _ in range(REPEAT):
            t0, c0 = clock.perf_counter(), clock.process_time()
            response = http.get("/api/staff/calendar", params)
            wall.append((clock.perf_counter() - t0) * 1000)
            cpu.append((clock.process_time() - c0) * 1000)
        assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            http.get("/api/staff/calendar", params)
        events = [e for e in json.loads(response.content)["events"] if e.get("display") != "background"]
        wall.sort()
        # PostgreSQL's work is in the server: judged on wall time there.
        spent = statistics.median(cpu) if args.db == "sqlite" else statistics.median(wall)
        met = "met" if spent < TARGET_MS else f"MISSED (< {TARGET_MS:.0f} ms)"
        print(
            f"| {label} | {len(events)} | {statistics.median(wall):.1f} / {wall[int(REPEAT * 0.95) - 1]:.1f} ms "
            f"| {statistics.median(cpu):.1f} ms | {len(queries)} | {met if days == 1 else '-'} |"
        )
    import os

    print(f"\nLoad average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")


if __name__ == "__main__":
    main()
