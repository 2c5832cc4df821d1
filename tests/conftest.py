"""Shared fixtures: the personas every test speaks of (a manager, a front-desk user, two
therapists, two clients) and helpers to make more."""

from __future__ import annotations

import asyncio
import email
import itertools
import socket
import threading

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from clinic.models import Client, Room, Therapist
from clinic.roles import FRONT_DESK, MANAGER, THERAPIST
from treatments.models import TreatmentOption, TreatmentType

_seq = itertools.count(1)


def run_jobs(limit: int = 200) -> int:
    """Run every queued job that is due, the way `run_worker` does (claim, then the
    backend's own run_task), inside the test's transaction; return how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with exclusive_transaction():
            row = DBTaskResult.objects.ready().get_locked()
            if row is None:
                return ran
            row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    raise AssertionError(f"still jobs to run after {limit}: a job that queues itself?")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it is sent; stop() and
    start() again on the same port to play an outage."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[bytes] = []
        self._controller = None
        # hold_next(): the next message's sender is kept waiting at RCPT (before any data)
        # until release(), so a test can kill the worker in the middle of a send.
        self._hold_armed = threading.Event()
        self.holding = threading.Event()
        self._released = threading.Event()

    def hold_next(self) -> None:
        self._hold_armed.set()

    def release(self) -> None:
        self._released.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self._hold_armed.is_set():
            self._hold_armed.clear()
            self.holding.set()
            for _ in range(600):  # at most a minute
                if self._released.is_set():
                    break
                await asyncio.sleep(0.1)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 Message accepted"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        return [
            email.message_from_bytes(raw)["Message-ID"] for raw in self.messages
        ]


@pytest.fixture
def smtp_server(settings):
    """Client emails go to a real SMTP server started for the test."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()
@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a page cached from one test's data (rolled
    back since, without any signal) must not be served to the next. The same for each
    process's own copies in front of it (the rolled-back data had the same generation)."""
    from bookings import admin_site
    from clinic import generations, pagecache

    cache.clear()
    generations.recent.entries.clear()
    pagecache.recent.entries.clear()
    admin_site.navigation.entries.clear()
    yield


def make_staff(role: str | None, username: str | None = None, **extra) -> User:
    username = username or f"staff{next(_seq)}"
    user = User.objects.create_user(
        username=username, password="correct horse battery", is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_therapist(name: str | None = None, treatments: str | list[str] = "all", **extra) -> Therapist:
    n = next(_seq)
    user = make_staff(THERAPIST, username=f"therapist{n}")
    therapist = Therapist.objects.create(user=user, display_name=name or f"Therapist {n}", **extra)
    codes = list(TreatmentType.objects.values_list("code", flat=True)) if treatments == "all" else treatments
    for treatment in TreatmentType.objects.filter(code__in=codes):
        treatment.therapists.add(therapist)
    return therapist


def make_client(first_name: str = "Ada", last_name: str | None = None, **extra) -> Client:
    n = next(_seq)
    extra.setdefault("email", f"client{n}@example.com")
    return Client.objects.create(first_name=first_name, last_name=last_name or f"Client{n}", **extra)


@pytest.fixture
def manager(db) -> User:
    return make_staff(MANAGER, username="manager")


@pytest.fixture
def front_desk(db) -> User:
    return make_staff(FRONT_DESK, username="frontdesk")


@pytest.fixture
def therapist(db) -> Therapist:
    return make_therapist("Maya Chen")


@pytest.fixture
def other_therapist(db) -> Therapist:
    return make_therapist("Sam Okafor")


@pytest.fixture
def client_person(db) -> Client:
    return make_client("Ada", "Lovelace", email="ada@example.com", phone="+1 416 555 0100")


@pytest.fixture
def other_client(db) -> Client:
    return make_client("Grace", "Hopper", email="grace@example.com")


@pytest.fixture
def room(db) -> Room:
    return Room.objects.create(name="Room 1")


@pytest.fixture
def option_60(db) -> TreatmentOption:
    return TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)


def text_of(response) -> str:
    """A response's body as text, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem) -> None:
    """Before a transactional test's database is flushed, remove its clinical records
    through the retention-purge route (the flush is a DELETE on SQLite, which the guards
    refuse otherwise). Runs before the fixtures are torn down."""
    marker = item.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )
    if not transactional:
        return
    from pytest_django.plugin import blocking_manager_key

    from tests.factories import purge_clinical_records_for_flush

    with item.config.stash[blocking_manager_key].unblock():
        purge_clinical_records_for_flush()
