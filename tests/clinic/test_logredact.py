"""Secret links stay out of the logs: gunicorn's access log and Django's request log."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from django.db import connection
from django.urls import reverse

from clinic.logredact import REDACTED, redact_tokens

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    return "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**settings)


def _get(url: str, **headers: str) -> int:
    try:
        with urlopen(Request(url, headers=headers), timeout=30) as response:
            return response.status
    except HTTPError as error:
        return error.code


def _wait_until_listening(port: int, server: subprocess.Popen) -> None:
    for _ in range(600):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        try:
            server.wait(0.1)  # returns only if gunicorn exited
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"gunicorn exited: {server.stderr.read()}")
    raise AssertionError("gunicorn did not start listening")


def test_secret_paths_are_redacted_and_others_left_alone(db):
    token = "s3cr3t-T0ken_value"
    feed = uuid.uuid4()
    assert redact_tokens(f"GET /manage/{token}/cancel/ HTTP/1.1") == f"GET /manage/{REDACTED}/cancel/ HTTP/1.1"
    assert redact_tokens(f"/portal/sign-in/{token}/") == f"/portal/sign-in/{REDACTED}/"
    assert redact_tokens(f"/feeds/therapist/{feed}.ics") == f"/feeds/therapist/{REDACTED}.ics"
    confirm = reverse("bookings:book_confirm", args=[token])
    assert token not in redact_tokens(confirm) and REDACTED in redact_tokens(confirm)
    assert redact_tokens("GET /book/review/ HTTP/1.1") == "GET /book/review/ HTTP/1.1"
    assert redact_tokens("/admin/clinic/client/12/change/") == "/admin/clinic/client/12/change/"


def test_gunicorn_access_log_and_django_log_never_show_a_token(db, tmp_path):
    """A real gunicorn, started the way the README says (`gunicorn clinic.wsgi` in the
    project directory, so it reads gunicorn.conf.py), with its access log on. It only reads
    the test database, whose tables are committed, so the test needs no transaction of its own."""
    manage_token, portal_token, feed = "manageSecret123", "portalSecret456", uuid.uuid4()
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=_database_url(), BOOKING_RATE_LIMIT="")
    server = subprocess.Popen(
        [str(GUNICORN), "clinic.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--access-logfile", str(access_log)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_until_listening(port, server)
        base = f"http://127.0.0.1:{port}"
        manage = base + reverse("bookings:manage", args=[manage_token])
        assert _get(manage) == 404
        assert _get(base + reverse("bookings:manage_cancel", args=[manage_token]), Referer=manage) == 404
        assert _get(base + reverse("bookings:portal_sign_in", args=[portal_token])) == 410
        assert _get(base + reverse("bookings:therapist_feed", args=[feed])) == 404
        assert _get(base + "/book/") == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    log = access_log.read_text()
    for secret in (manage_token, portal_token, str(feed)):
        assert secret not in log, log
        assert secret not in errors, errors
    assert f'"GET /manage/{REDACTED}/ HTTP/1.1" 404' in log
    assert f"/manage/{REDACTED}/cancel/" in log and f"{base}/manage/{REDACTED}/" in log  # the Referer
    assert f"/portal/sign-in/{REDACTED}/" in log
    assert '"GET /book/ HTTP/1.1" 200' in log
    assert f"Not Found: /manage/{REDACTED}/" in errors  # Django's own request log


def test_the_django_log_filter_redacts_request_paths(caplog, db):
    from clinic.logredact import RedactTokens

    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "%s: %s", ("Not Found", "/manage/abc123/"), None)
    RedactTokens().filter(record)
    assert record.getMessage() == f"Not Found: /manage/{REDACTED}/"
