"""Scale-out, for real: two gunicorn servers and two workers (`run_worker`) on one PostgreSQL
database and one Redis, sending to an SMTP server started here; one worker is killed with
SIGKILL in the middle of a send.

Not part of the default run (it needs PostgreSQL and Redis, and takes about a minute):
`.venv/bin/pytest -q -m scaleout tests/scaleout` (CI runs it as its own step). Servers are
production settings (DEBUG off). Every wait is bounded, and everything started here is
stopped, and the database and Redis keys removed, at the end.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis

from bookings.emails import KINDS
from tests.conftest import SmtpSink, free_port

pytestmark = pytest.mark.scaleout

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("SCALEOUT_PG", "postgresql://postgres@127.0.0.1:5432")
# A Redis database number of its own, and a key prefix per run.
REDIS_URL = os.environ.get("SCALEOUT_REDIS", "redis://127.0.0.1:6379/13")
RATE_LIMIT = 6
TREATMENT, DURATION = "trigger-point", 60


def wait_for(what: str, check, timeout: float = 30.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def http(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Cluster:
    def __init__(self, tmp: Path, env: dict[str, str]):
        self.tmp, self.env = tmp, env
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, "DJANGO_DEBUG": "1"},
            check=True, timeout=120, stdout=subprocess.DEVNULL,
        )

    def start(self, name: str, *args: str) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp.glob("*.log")))


@pytest.fixture
def smtp():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.release()
    sink.stop()


@pytest.fixture
def cluster(tmp_path, smtp):
    name = f"clinic_scaleout_{os.getpid()}"
    prefix = f"scaleout-{os.getpid()}-{int(time.time())}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "scale-out-test-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"{PG.replace('postgresql://', 'postgres://')}/{name}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}?tls=0",
        "EMAIL_TIMEOUT": "10",
        "BOOKING_RATE_LIMIT": f"{RATE_LIMIT}/d",
        # A dead worker's job is noticed within seconds here (ten minutes by default).
        "TASK_LOST_AFTER_SECONDS": "3",
        "EMAIL_SWEEP_SECONDS": "1",
        "UPKEEP_TICK_SECONDS": "1",
        "EMAIL_RETRY_SECONDS": "1",
        "CLINIC_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cluster = Cluster(tmp_path, env)
    try:
        cluster.manage("migrate", "--noinput", "-v0")
        cluster.manage("seed_demo")
        cluster.urls = []
        for web in ("web-a", "web-b"):
            port = free_port()
            cluster.start(
                web, sys.executable, "-m", "gunicorn", "clinic.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket",
            )
            cluster.urls.append(f"http://127.0.0.1:{port}")
        for worker in ("worker-1", "worker-2"):
            cluster.start(
                worker, sys.executable, "manage.py", "run_worker", "--no-reload",
                "--no-startup-delay", "--interval", "0.2", "--worker-id", worker,
            )
        for url in cluster.urls:
            wait_for(f"{url} to answer", lambda url=url: _answers(url + "/api/treatments"))
        cluster.db = f"{PG}/{name}"
        yield cluster
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        store = redis.Redis.from_url(REDIS_URL)
        keys = list(store.scan_iter(f"{prefix}:*"))
        if keys:
            store.delete(*keys)


def _answers(url: str) -> bool:
    try:
        return http("GET", url)[0] == 200
    except OSError:
        return False


def free_slots(url: str) -> list[tuple[str, int]]:
    first = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    status, data = http(
        "GET", f"{url}/api/slots?treatment={TREATMENT}&duration={DURATION}&date={first}&days=7"
    )
    assert status == 200, data
    return [(s["start"], s["therapist"]["id"]) for s in data["slots"]]


def booking(start: str, therapist: int, n: int, screening: dict[str, bool]) -> dict:
    return {
        "treatment": TREATMENT,
        "duration": DURATION,
        "start": start,
        "therapist": therapist,
        "client": {"name": f"Scale Out{n}", "email": f"scale-{n}@example.com", "phone": "+1 416 555 0100"},
        "screening": screening,
        "consents": {"treatment": True, "sensitive_areas": []},
        "policy_accepted": True,
    }


def rows(db: str, sql: str) -> list[tuple]:
    with psycopg.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_two_servers_and_two_workers_share_one_database_one_redis_and_send_each_email_once(
    cluster, smtp
):
    a, b = cluster.urls
    servers = [a, b]
    # The screening questions, as the API names them when they are missing.
    status, data = http("POST", f"{a}/api/bookings", booking(*free_slots(b)[0], 0, {}))
    assert status == 400, data
    screening = {e["field"].split(".", 1)[1]: False for e in data["errors"] if e["field"].startswith("screening.")}
    assert screening

    smtp.hold_next()
    booked: list[str] = []
    refused: list[str] = []
    for n in range(1, 2 * RATE_LIMIT + 1):
        here, there = servers[n % 2], servers[(n + 1) % 2]
        slot = free_slots(there)[0]
        status, data = http("POST", f"{here}/api/bookings", booking(*slot, n, screening))
        if status == 429:
            refused.append(here)
            if len(refused) == 2:
                break
            continue
        assert status == 201, data
        booked.append(f"scale-{n}@example.com")
        # Made through one server, the time is taken at the other.
        assert slot not in free_slots(there)

        if len(booked) == 1:
            # The first confirmation is held at the SMTP server, mid-send: kill its worker.
            wait_for("a worker to start sending", smtp.holding.is_set)
            (holder,) = wait_for(
                "the sending job's worker",
                lambda: rows(
                    cluster.db,
                    "SELECT worker_ids FROM django_tasks_database_dbtaskresult "
                    "WHERE status = 'RUNNING' AND task_path = 'bookings.tasks.deliver_email'",
                ),
            )
            killed = holder[0][-1]
            cluster.kill(killed)
            smtp.release()

    # One limit for both servers: the requests after it are refused by each of them, well
    # before either server alone has seen the limit (the screening probe may count too).
    assert RATE_LIMIT - 1 <= len(booked) <= RATE_LIMIT
    assert sorted(refused) == sorted(servers)

    def received() -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(m, policy=email.policy.default) for m in smtp.messages]

    def confirmations() -> list[str]:
        return sorted(m["To"] for m in received() if m["Subject"].strip().startswith(KINDS["confirmed"]))

    wait_for("every confirmation to arrive", lambda: len(confirmations()) >= len(booked), timeout=60)
    time.sleep(3)  # anything sent twice would arrive by now (retries wait 1 s here)
    # One confirmation per booking. The workers' upkeep also reminds the demo clients whose
    # visits are near (how many depends on the time of day): each of those once as well,
    # since every attempt of one email carries the same Message-ID.
    assert confirmations() == sorted(booked), cluster.logs()
    message_ids = [m["Message-ID"] for m in received()]
    assert len(message_ids) == len(set(message_ids)), cluster.logs()
    assert rows(cluster.db, "SELECT DISTINCT status FROM bookings_emaildelivery") == [("sent",)]
    # The dead worker's job was noticed and failed as lost; the other worker sent its email.
    assert rows(
        cluster.db,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE exception_class_path = 'WorkerLost'",
    ) == [(1,)]
    assert cluster.processes[killed].returncode == -signal.SIGKILL
    survivor = "worker-2" if killed == "worker-1" else "worker-1"
    assert cluster.processes[survivor].poll() is None
