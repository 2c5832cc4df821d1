"""HTTP benchmark: the app against a bare Django hello-world, both served the same way.

    make bench                                 # this, then bench/slots.py and bench/staff_calendar.py
    .venv/bin/python bench/web.py              # SQLite and PostgreSQL, the full tables
    .venv/bin/python bench/web.py --quick      # shorter runs (noisier)
    .venv/bin/python bench/web.py --db sqlite  # one database

Each database gets its own copy of the clinic of bench/dataset.py (20 therapists, 50,000
appointments of history, a future diary starting today), built on first use for today's
date: SQLite under var/bench/, PostgreSQL in the database named by BENCH_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/clinic_bench, created when the server answers;
skipped, saying so, when it does not).

Both the app and the floor (bench/floor.py, a bare Django hello-world) run under gunicorn
with 2 sync workers; the app with production settings (DEBUG off, manifest static files,
Redis cache under its own key prefix). The load generator is this script: threads opening
one connection per request, as gunicorn's sync workers close them. Each path runs for a
few seconds between two floor runs, and its ratio is to the mean of those two, so a change
in the machine's load affects both sides alike. Server CPU is the workers' user+system time
per request (from /proc), beside the client-side wall time. The booking rate is measured
in-process: sequential `POST /api/bookings` through Django's test client.

Free times, the booking time step and the day schedule are served from the cache while the
diary's generation lasts (clinic.generations), which is what a visitor meets between two
changes; bench/slots.py measures what a cache miss costs.

The load generator shares the machine with the server, so the floor is lower than a
separate client machine would measure; the ratios are what this benchmark promises.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
HISTORY = 50_000
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET = "bench-only-secret-key-never-used-in-production-0123456789abcdef"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench")
BOOKINGS = 40

# (label, target share of the floor's requests/s)
RATIO_TARGETS = {
    "GET /": 0.40,
    "GET /treatments/": 0.40,
    "/api/slots, one therapist, 7 days": 0.25,
    "/api/slots, any therapist, 7 days": 0.10,
    "Booking: day and time, one therapist": 0.10,
    "Booking: day and time, any therapist": 0.10,
    "Admin day schedule, 20 therapists": 0.05,
}
STAFF_TARGET_MS = 100


# --- The Django side (runs in a subprocess per database) --------------------------------


def env_for(db: str, today: str) -> dict[str, str]:
    if db == "sqlite":
        url = f"sqlite:///{BENCH_DIR / f'http-{HISTORY}-{today}.sqlite3'}"
    else:
        url = POSTGRES_URL
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "CLINIC_TIME_ZONE": "America/Toronto",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"bench-{db}-{os.getpid()}",
        # Load tests would trip the per-address limit at once; it is off here only.
        "BOOKING_RATE_LIMIT": "",
        "EMAIL_URL": "locmem:",
        "PYTHONPATH": str(ROOT),
    }


def _django() -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()


def prepare(db: str) -> dict:
    """Migrate, build today's clinic if needed, collect static files, open sessions."""
    _django()
    import dataset
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bookings.models import Closure
    from bookings.services.drafts import draft_save
    from bookings.views.public import DRAFT_KEY
    from clinic.models import Client, Therapist

    call_command("migrate", verbosity=0)
    now = timezone.now()
    today = now.astimezone(dataset.ZONE).date()
    from datetime import timedelta

    if dataset.is_built() and not Closure.objects.filter(date=today + timedelta(days=11)).exists():
        raise SystemExit(f"The {db} bench database was built on another day: drop it and rerun.")
    if not dataset.is_built():
        dataset.build(HISTORY, now)
    if db == "sqlite":
        call_command("collectstatic", interactive=False, verbosity=0)
    option = dataset.option()
    therapist = Therapist.objects.get(display_name="Therapist 00")

    def session(data: dict) -> str:
        store = SessionStore()
        store.update(data)
        store.set_expiry(4 * 3600)
        store.create()
        return store.session_key

    manager = User.objects.get(username=dataset.MANAGER_USERNAME)
    # Signed in with a verified second factor, as a manager is after the code page.
    device, _ = TOTPDevice.objects.get_or_create(user=manager, name="bench", defaults={"confirmed": True})
    staff = session(
        {
            SESSION_KEY: str(manager.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: manager.get_session_auth_hash(),
            DEVICE_ID_SESSION_KEY: device.persistent_id,
        }
    )
    # The booking flow's answers live in a server-side draft; the session holds its key.
    flow_one = session({DRAFT_KEY: draft_save(key=None, data={"flow": "bench", "option": option.pk, "therapist": str(therapist.pk)})})
    flow_any = session({DRAFT_KEY: draft_save(key=None, data={"flow": "bench", "option": option.pk, "therapist": "any"})})
    day = today + timedelta(days=1)
    while day.isoweekday() == 7:
        day += timedelta(days=1)
    regular = Client.objects.get(last_name="Regular")
    slots = f"/api/slots?treatment=trigger-point&duration=60&date={day}&days=7"
    staff_cookie = f"sessionid={staff}"
    return {
        "load": [
            ("GET /", "/", "", 8),
            ("GET /treatments/", "/treatments/", "", 8),
            ("/api/slots, one therapist, 7 days", f"{slots}&therapist={therapist.pk}", "", 8),
            ("/api/slots, any therapist, 7 days", slots, "", 8),
            ("Booking: day and time, one therapist", "/book/time/", f"sessionid={flow_one}", 8),
            ("Booking: day and time, any therapist", "/book/time/", f"sessionid={flow_any}", 8),
            ("Admin day schedule, 20 therapists",
             f"/admin/bookings/appointment/schedule/?date={day}", staff_cookie, 8),
        ],
        "staff": [
            ("Day schedule, 20 therapists", f"/admin/bookings/appointment/schedule/?date={day}", staff_cookie),
            ("Appointments list", "/admin/bookings/appointment/", staff_cookie),
            ("Client page, 300 visits", f"/admin/clinic/client/{regular.pk}/change/", staff_cookie),
            ("Notes to sign", "/admin/bookings/sessionnote/to-sign/", staff_cookie),
            ("CSV export, default range", "/admin/bookings/appointment/export.csv", staff_cookie),
        ],
    }


def bookings(db: str) -> dict:
    """Sequential online bookings through the API, in-process; queries per booking."""
    _django()
    from datetime import timedelta

    import dataset
    from django.db import connection
    from django.test import Client as HttpClient
    from django.utils import timezone

    from bookings.selectors.availability import slots_available
    from bookings.selectors.online import screening_versions

    option = dataset.option()
    asked = screening_versions(option.treatment_type)
    answers = {v.item.code: False for v in asked["red_flags"] + asked["relevant"]}
    now = timezone.now()
    # Two months ahead, past every window the pages above read, and one therapist after
    # another: bookings far enough apart that none takes another's therapist, room or buffer.
    start_day = now.astimezone(dataset.ZONE).date() + timedelta(days=60)
    free, used = [], set()
    for slot in slots_available(option, start_day, 28, now=now):
        if slot.therapist_id in used or (free and slot.start < free[-1].start + timedelta(minutes=90)):
            continue
        free.append(slot)
        used = {slot.therapist_id} if len(used) >= 10 else used | {slot.therapist_id}
    free = free[: BOOKINGS + 1]
    http = HttpClient(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    run = f"{os.getpid()}-{int(now.timestamp())}"

    def book(n: int, slot) -> None:
        body = {
            "treatment": "trigger-point",
            "duration": 60,
            "start": slot.start.astimezone(dataset.ZONE).isoformat(),
            "therapist": slot.therapist_id,
            "client": {"name": f"Bench Booker {n}", "email": f"booker-{run}-{n}@example.com",
                       "phone": "+1 416 555 0100"},
            "screening": answers,
            "consents": {"treatment": True, "sensitive_areas": []},
            "policy_accepted": True,
        }
        response = http.post("/api/bookings", json.dumps(body), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"Booking {n} answered {response.status_code}: {response.content[:300]!r}")

    # Counted with an execute wrapper: each request closes and reopens the connection,
    # which empties the query log CaptureQueriesContext reads.
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        book(0, free[0])
    wall0, cpu0 = clock.perf_counter(), clock.process_time()
    for n, slot in enumerate(free[1:], start=1):
        book(n, slot)
    wall, cpu = clock.perf_counter() - wall0, clock.process_time() - cpu0
    count = len(free) - 1
    return {
        "bookings": count,
        "per_second": count / wall,
        "wall_ms": wall * 1000 / count,
        "cpu_ms": cpu * 1000 / count,
        "queries": len(queries),
    }


# --- The load generator ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request_bytes(path: str, cookie: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             "X-Forwarded-Proto: https", "Accept: text/html,application/json"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def one(port: int, data: bytes) -> tuple[float, int]:
    t0 = clock.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(data)
        first = s.recv(65536)
        while s.recv(262144):
            pass
    return clock.perf_counter() - t0, int(first[9:12]) if len(first) >= 12 else 0


def workers_cpu(master: int) -> float:
    """User + system seconds of a gunicorn master's worker processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def load(port: int, master: int, path: str, cookie: str, concurrency: int, seconds: float,
         min_requests: int = 5) -> dict:
    data = request_bytes(path, cookie)
    for _ in range(2):  # warm each worker
        one(port, data)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = clock.perf_counter() + seconds

    def worker() -> None:
        mine, codes = [], {}
        while clock.perf_counter() < deadline or len(mine) * concurrency < min_requests:
            elapsed, status = one(port, data)
            mine.append(elapsed)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    cpu0, t0 = workers_cpu(master), clock.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = clock.perf_counter() - t0, workers_cpu(master) - cpu0
    latencies.sort()
    n = len(latencies)
    return {
        "rps": n / wall,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[min(n - 1, int(n * 0.95))] * 1000,
        "cpu_ms": cpu * 1000 / n,
        "requests": n,
        "errors": sum(v for k, v in statuses.items() if k != 200),
        "statuses": statuses,
    }


class Server:
    def __init__(self, app: str, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [GUNICORN, app, "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "120"],
            env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = clock.time() + 60
        while clock.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn {app} stopped: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                one(self.port, request_bytes("/", ""))
                return
            except OSError:
                clock.sleep(0.2)
        raise SystemExit(f"gunicorn {app} did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def subprocess_json(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([PYTHON, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_db(db: str, seconds: float) -> dict:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    env = env_for(db, datetime.now(ZoneInfo("America/Toronto")).date().isoformat())
    setup = subprocess_json(["--prepare", db], env)
    floor_env = {**env, "PYTHONPATH": str(ROOT / "bench")}
    app, floor = Server("clinic.wsgi:application", env, ROOT), Server("floor:application", floor_env, ROOT)
    try:
        results: dict = {"load": [], "staff": [], "floors": []}
        last_floor = load(floor.port, floor.proc.pid, "/", "", 8, seconds)
        results["floors"].append(last_floor)
        for label, path, cookie, concurrency in setup["load"]:
            measured = load(app.port, app.proc.pid, path, cookie, concurrency, seconds)
            next_floor = load(floor.port, floor.proc.pid, "/", "", 8, seconds)
            results["floors"].append(next_floor)
            floor_rps = (last_floor["rps"] + next_floor["rps"]) / 2
            floor_cpu = (last_floor["cpu_ms"] + next_floor["cpu_ms"]) / 2
            last_floor = next_floor
            results["load"].append(
                {"label": label, "floor_rps": floor_rps, "floor_cpu_ms": floor_cpu, **measured}
            )
        for label, path, cookie in setup["staff"]:
            measured = load(app.port, app.proc.pid, path, cookie, 1, seconds / 2)
            results["staff"].append({"label": label, **measured})
    finally:
        app.stop()
        floor.stop()
    results["bookings"] = subprocess_json(["--bookings", db], env)
    results["loadavg"] = os.getloadavg()
    return results


def report(db: str, r: dict) -> None:
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
    floors = [f["rps"] for f in r["floors"]]
    floor_cpu = statistics.median(f["cpu_ms"] for f in r["floors"])
    print(f"\n### {name}\n")
    print(f"Floor (bare Django hello-world, same gunicorn): {statistics.median(floors):,.0f} req/s "
          f"(median of {len(floors)} runs, {min(floors):,.0f}-{max(floors):,.0f}), "
          f"{floor_cpu:.2f} ms server CPU per request; "
          f"load average after: {r['loadavg'][0]:.1f} {r['loadavg'][1]:.1f} {r['loadavg'][2]:.1f}\n")
    print("Share of floor: requests/s against the floor runs just before and after. By CPU: the "
          "floor's server CPU per request over the path's, which a busy machine disturbs less.\n")
    print("| path (8 connections) | req/s | share of floor | by CPU | target | median / p95 ms "
          "| server CPU ms/req | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for x in r["load"]:
        share, target = x["rps"] / x["floor_rps"], RATIO_TARGETS[x["label"]]
        by_cpu = x["floor_cpu_ms"] / x["cpu_ms"] if x["cpu_ms"] else float("inf")
        mark = "met" if share >= target else "MISSED"
        print(f"| {x['label']} | {x['rps']:,.0f} | {share:.1%} | {by_cpu:.1%} | {target:.0%} {mark} "
              f"| {x['median_ms']:.1f} / {x['p95_ms']:.1f} | {x['cpu_ms']:.2f} | {x['errors']} |")
    print(f"\n| staff page (one at a time) | median / p95 ms | server CPU ms/req | target {STAFF_TARGET_MS} ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for x in r["staff"]:
        mark = "met" if x["median_ms"] < STAFF_TARGET_MS else "MISSED"
        if x["label"].startswith("CSV"):
            mark = "n/a: streamed, flat memory (tested)"
        print(f"| {x['label']} | {x['median_ms']:.1f} / {x['p95_ms']:.1f} | {x['cpu_ms']:.1f} | {mark} | {x['errors']} |")
    b = r["bookings"]
    mark = "met" if b["queries"] <= 40 else "MISSED"
    rate = "" if db != "sqlite" else (" (target 10/s: met)" if b["per_second"] >= 10 else " (target 10/s: MISSED)")
    print(f"\nBookings, sequential POST /api/bookings in-process: {b['per_second']:.1f}/s{rate}, "
          f"{b['wall_ms']:.0f} ms wall / {b['cpu_ms']:.0f} ms CPU each, "
          f"{b['queries']} queries per booking (target 40: {mark}).")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--prepare")
    parser.add_argument("--bookings")
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.prepare)))
        return
    if args.bookings:
        print(json.dumps(bookings(args.bookings)))
        return
    import dataset  # bench/ is on the path when this script runs

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    seconds = 2.0 if args.quick else 5.0
    print(f"{os.cpu_count()} cores, load average before: "
          "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        if db == "postgres" and not dataset.postgres_ready(POSTGRES_URL):
            continue
        report(db, run_db(db, seconds))


if __name__ == "__main__":
    main()
