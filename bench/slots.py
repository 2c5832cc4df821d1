"""Benchmark of the availability selector (the computation itself, never the cache).

    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py                # SQLite and PostgreSQL
    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py --db sqlite    # one database
    DJANGO_DEBUG=1 .venv/bin/python bench/slots.py --rebuild      # rebuild the SQLite files

Builds the clinic of bench/dataset.py with 20 therapists and 1,000 or 50,000 appointments of
history, and with 100 therapists and 1,000, each in its own SQLite file under var/bench/ and
its own PostgreSQL database next to BENCH_POSTGRES_URL's (never the demo database). It then
times `slots_available` for one therapist over 1, 7 and 30 days and for any therapist over
7 and 30 days, and counts its SQL queries. Each clinic runs in its own process, because the
database is chosen when Django starts. The pages serve these from the cache
(clinic.generations); this measures what a cache miss costs.
"""

from __future__ import annotations

import argparse
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
# (history rows, therapists): history growth at 20 therapists, and a clinic five times larger.
CLINICS = ((1_000, 20), (50_000, 20), (1_000, 100))
REPEAT = 40
# A fixed "now" keeps every run identical.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)
SCENARIOS = [
    ("One therapist, 1 day", 1, True),
    ("One therapist, 7 days", 7, True),
    ("One therapist, 30 days", 30, True),
    ("Any therapist, 7 days", 7, False),
    ("Any therapist, 30 days", 30, False),
]
# Targets (CPU ms): the fixed cost, and "any therapist over 30 days" at 100 therapists.
TARGETS = {("One therapist, 1 day", 20): 3.0, ("Any therapist, 30 days", 100): 200.0}


POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench")


def db_path(size: int, therapists: int) -> Path:
    suffix = "" if therapists == dataset.THERAPISTS else f"-{therapists}t"
    return BENCH_DIR / f"slots-{size}{suffix}.sqlite3"


def database_url(db: str, size: int, therapists: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{db_path(size, therapists)}"
    return f"{POSTGRES_URL}_slots_{size}_{therapists}"


def setup_django(size: int, therapists: int, db: str = "sqlite") -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url(db, size, therapists)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ["CLINIC_TIME_ZONE"] = "America/Toronto"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def measure(size: int, therapists: int, rebuild: bool, db: str) -> dict:
    path = db_path(size, therapists)
    if rebuild and db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    setup_django(size, therapists, db)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Appointment
    from bookings.selectors.availability import slots_available
    from clinic.models import Therapist
    from treatments.models import TreatmentOption

    call_command("migrate", verbosity=0)
    if not dataset.is_built():
        dataset.build(size, NOW, therapists)
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
        timings.sort()
        result["scenarios"].append(
            {"label": label, "median_ms": statistics.median(timings),
             "p95_ms": timings[int(len(timings) * 0.95) - 1],
             "cpu_ms": statistics.median(cpu), "queries": len(queries),
             "slots": len(slots)}
        )
    return result


def table(db: str, results: dict) -> None:
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
    print(f"\n### Availability ({name}: slots_available in-process, a cache miss)\n\n{os.cpu_count()} cores, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; future diary over {FUTURE_DAYS} days; "
          f"{REPEAT} runs each: wall median / p95, CPU median (ms), and queries.\n")
    heads = [f"{r['history']:,} history, {t} therapists" for (_, t), r in results.items()]
    print("| query | " + " | ".join(heads) + " | target |")
    print("|---|" + "---:|" * (len(heads) + 1))
    for i, (label, _, _) in enumerate(SCENARIOS):
        cells, target = [], ""
        for (_, therapists), r in results.items():
            x = r["scenarios"][i]
            cells.append(f"{x['median_ms']:.1f} / {x['p95_ms']:.1f} / {x['cpu_ms']:.1f} ({x['queries']})")
            bound = TARGETS.get((label, therapists))
            if bound:
                # The wall time on PostgreSQL: its work is in the server, not this process.
                spent = x["cpu_ms"] if db == "sqlite" else x["median_ms"]
                mark = "met" if spent < bound else "MISSED"
                what = "CPU" if db == "sqlite" else "wall"
                target = f"{what} < {bound:g} ms at {therapists} therapists: {mark}"
        if label == "One therapist, 30 days":
            small = [r for (_, t), r in results.items() if t == dataset.THERAPISTS]
            large = [r for (_, t), r in results.items() if t != dataset.THERAPISTS]
            if small and large:
                what = "cpu_ms" if db == "sqlite" else "median_ms"
                ratio = large[0]["scenarios"][i][what] / small[0]["scenarios"][i][what]
                mark = "met" if ratio < 1.5 else "MISSED"
                target = f"independent of clinic size ({ratio:.2f}x at 5x the therapists): {mark}"
        print(f"| {label} | " + " | ".join(cells) + f" | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--clinic")
    args = parser.parse_args()
    if args.clinic:
        size, therapists = map(int, args.clinic.split(","))
        print(json.dumps(measure(size, therapists, args.rebuild, args.db)))
        return
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        if db == "postgres" and not all(dataset.postgres_ready(database_url(db, s, t)) for s, t in CLINICS):
            continue
        results = {}
        for size, therapists in CLINICS:
            command = [sys.executable, __file__, "--clinic", f"{size},{therapists}", "--db", db,
                       *(["--rebuild"] if args.rebuild else [])]
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[size, therapists] = json.loads(out.strip().splitlines()[-1])
        table(db, results)
    print("\nCPU is process time, which leaves out waiting for a core on a busy machine (SQLite "
          "runs in-process, so its work is included; PostgreSQL's is in the server, so its targets "
          "are judged on wall time).")


if __name__ == "__main__":
    main()
