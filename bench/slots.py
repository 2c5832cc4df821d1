"""Benchmark of the availability selector on SQLite.

    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py            # both history sizes, a table
    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py --rebuild  # rebuild the bench databases

Builds the clinic of bench/dataset.py with 1,000 and 50,000 appointments of history, in its
own SQLite file under var/bench/ (never the demo database). It then times
`slots_available` for one therapist over 1, 7 and 30 days and for any therapist over 7
days, and counts its SQL queries. Each history size runs in its own process, because the
database is chosen when Django starts.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time as clock
from datetime import datetime, timedelta
from pathlib import Path

import dataset
from dataset import FUTURE_DAYS, ZONE

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SIZES = (1_000, 50_000)
REPEAT = 100
# A fixed "now" keeps every run identical.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)
SCENARIOS = [
    ("One therapist, 1 day", 1, True),
    ("One therapist, 7 days", 7, True),
    ("One therapist, 30 days", 30, True),
    ("Any therapist, 7 days", 7, False),
]


def setup_django(size: int) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / f'slots-{size}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ["CLINIC_TIME_ZONE"] = "America/Toronto"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


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
    if not dataset.is_built():
        dataset.build(size, NOW)
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
