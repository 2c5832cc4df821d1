"""Benchmark of the availability selector on SQLite.

    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py            # both history sizes, a table
    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py --rebuild  # rebuild the bench databases

Builds a clinic of 20 therapists (Mon-Sat hours with a lunch break, 12 rooms, some time
off and two closures) with N appointments of history and a realistic future diary, in its
own SQLite file under var/bench/ (never the demo database). It then times
`slots_available` for one therapist over 1, 7 and 30 days and for any therapist over 7
days, and counts its SQL queries. Each history size runs in its own process, because the
database is chosen when Django starts.

History rows are fixture data and are bulk-created; the future diary is valid (no
overlaps, inside working hours), and the database's overlap triggers check every row.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SIZES = (1_000, 50_000)
THERAPISTS = 20
ROOMS = 12
CLIENTS = 500
FUTURE_DAYS = 35
REPEAT = 100
FILL = 0.4  # share of the future diary's fixed start times that are booked
ZONE = ZoneInfo("America/Toronto")
# A fixed "now" keeps every run identical.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)
SCENARIOS = [
    ("One therapist, 1 day", 1, True),
    ("One therapist, 7 days", 7, True),
    ("One therapist, 30 days", 30, True),
    ("Any therapist, 7 days", 7, False),
]
HISTORY_STARTS = [time(9), time(10, 15), time(11, 30), time(13, 30), time(14, 45), time(16)]
FUTURE_STARTS = [time(9), time(10, 30), time(13, 30), time(15), time(16, 30)]


def setup_django(size: int) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / f'slots-{size}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ["CLINIC_TIME_ZONE"] = "America/Toronto"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(size: int) -> None:
    import random

    from django.contrib.auth.models import User
    from django.db import transaction

    from bookings.models import Appointment, Closure, TimeOff, WorkingHours
    from clinic.models import Client, Room, Therapist
    from treatments.models import TreatmentOption, TreatmentType

    rng = random.Random(size)
    option = TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=60
    )
    buffer = timedelta(minutes=option.treatment_type.buffer_minutes)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench-therapist-{i}", password="!") for i in range(THERAPISTS)
        )
        therapists = Therapist.objects.bulk_create(
            Therapist(user=u, display_name=f"Therapist {i:02d}") for i, u in enumerate(users)
        )
        for treatment in TreatmentType.objects.all():
            treatment.therapists.add(*therapists)
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=t, weekday=d, start_time=s, end_time=e)
            for t in therapists
            for d in range(1, 7)
            for s, e in ([(time(10), time(13)), (time(13, 30), time(16))] if d == 6
                         else [(time(9), time(12, 30)), (time(13, 30), time(18))])
        )
        rooms = Room.objects.bulk_create(Room(name=f"Bench room {i}") for i in range(ROOMS))
        clients = Client.objects.bulk_create(
            Client(first_name="Bench", last_name=f"Client {i}", email=f"bench{i}@example.com")
            for i in range(CLIENTS)
        )
        today = NOW.date()
        Closure.objects.bulk_create(
            [Closure(date=today + timedelta(days=11), reason="Holiday"),
             Closure(date=today + timedelta(days=25), reason="Holiday")]
        )
        TimeOff.objects.bulk_create(
            TimeOff(
                therapist=t,
                starts_at=datetime.combine(today + timedelta(days=3 + i % 20), time(9), tzinfo=ZONE),
                ends_at=datetime.combine(today + timedelta(days=3 + i % 20), time(18), tzinfo=ZONE),
                reason="Course",
            )
            for i, t in enumerate(therapists)
        )

        def row(therapist_index: int, start: datetime, status: str, room) -> Appointment:
            end = start + timedelta(minutes=60)
            return Appointment(
                client=clients[rng.randrange(CLIENTS)], therapist=therapists[therapist_index],
                treatment_type=option.treatment_type, option=option, duration_minutes=60,
                price=option.price, room=room, starts_at=start, ends_at=end,
                buffer_ends_at=end + buffer, status=status, source="staff", cancellation_window=timedelta(hours=24),
                cancelled_at=start - timedelta(days=2) if status == "cancelled" else None,
            )

        history = []
        day = today - timedelta(days=1)
        while len(history) < size:
            if day.isoweekday() != 7:
                for start_time in HISTORY_STARTS:
                    for i in range(THERAPISTS):
                        if len(history) == size:
                            break
                        roll = rng.random()
                        status = "completed" if roll < 0.85 else "cancelled" if roll < 0.95 else "no_show"
                        start = datetime.combine(day, start_time, tzinfo=ZONE)
                        history.append(row(i, start, status, rooms[i] if i < ROOMS else None))
            day -= timedelta(days=1)
        # Oldest first, as a diary grows: the overlap trigger then only looks at the few
        # rows that end after each new start (newest-first would make it scan them all).
        history.sort(key=lambda a: a.starts_at)
        Appointment.objects.bulk_create(history, batch_size=2000)

        future = []
        for offset in range(1, FUTURE_DAYS + 1):
            day = today + timedelta(days=offset)
            if day.isoweekday() == 7:
                continue
            for start_time in FUTURE_STARTS:
                free_rooms = list(rooms)
                for i in range(THERAPISTS):
                    if rng.random() < FILL and free_rooms:
                        start = datetime.combine(day, start_time, tzinfo=ZONE)
                        future.append(row(i, start, "booked", free_rooms.pop(0)))
        Appointment.objects.bulk_create(future, batch_size=2000)


def measure(size: int, rebuild: bool) -> dict:
    path = BENCH_DIR / f"slots-{size}.sqlite3"
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    setup_django(size)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Appointment
    from bookings.selectors.availability import slots_available
    from clinic.models import Therapist
    from treatments.models import TreatmentOption

    call_command("migrate", verbosity=0)
    if not Therapist.objects.filter(display_name="Therapist 00").exists():
        build(size)
    option = TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=60
    )
    therapist = Therapist.objects.get(display_name="Therapist 00")
    start_date = NOW.date() + timedelta(days=1)
    result = {
        "history": Appointment.objects.filter(starts_at__lt=NOW).count(),
        "future": Appointment.objects.filter(starts_at__gte=NOW).count(),
        "scenarios": [],
    }
    for label, days, one in SCENARIOS:
        def run(days=days, one=one):
            return slots_available(option, start_date, days, therapist=therapist if one else None, now=NOW)

        for _ in range(5):
            run()
        timings, cpu = [], []
        for _ in range(REPEAT):
            t0, c0 = clock.perf_counter(), clock.process_time()
            slots = run()
            timings.append((clock.perf_counter() - t0) * 1000)
            cpu.append((clock.process_time() - c0) * 1000)
        with CaptureQueriesContext(connection) as queries:
            run()
        result["scenarios"].append(
            {"label": label, "median_ms": statistics.median(timings),
             "cpu_ms": statistics.median(cpu), "queries": len(queries),
             "slots": len(slots)}
        )
    return result


def main() -> None:
    rebuild = "--rebuild" in sys.argv
    if "--size" in sys.argv:
        size = int(sys.argv[sys.argv.index("--size") + 1])
        print(json.dumps(measure(size, rebuild)))
        return
    results = {}
    for size in SIZES:
        args = [sys.executable, __file__, "--size", str(size), *(["--rebuild"] if rebuild else [])]
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        results[size] = json.loads(out.strip().splitlines()[-1])
    small, large = (results[s] for s in SIZES)
    print(f"History rows: {small['history']:,} and {large['history']:,}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"future diary: {large['future']:,} appointments over {FUTURE_DAYS} days; "
          f"median of {REPEAT} runs on SQLite.\n")
    print(f"| Query | Slots | {small['history']:,} history: wall / CPU | queries "
          f"| {large['history']:,} history: wall / CPU | queries | Growth (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for a, b in zip(small["scenarios"], large["scenarios"], strict=True):
        print(f"| {a['label']} | {b['slots']} | {a['median_ms']:.1f} / {a['cpu_ms']:.1f} ms | {a['queries']} "
              f"| {b['median_ms']:.1f} / {b['cpu_ms']:.1f} ms | {b['queries']} "
              f"| {b['cpu_ms'] / a['cpu_ms']:.2f}x |")
    print("\nWall: median elapsed time. CPU: median process time, which excludes waiting for a "
          "core on a busy machine (SQLite runs in-process, so its work is included).")

if __name__ == "__main__":
    main()
