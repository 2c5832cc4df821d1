"""Start-up configuration: the environment drives settings, and mistakes stop start-up with
one clear sentence instead of a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic.settings import database_from_url, email_from_url

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize("url", ["mysql://root@localhost/clinic", "postgres://host:notaport/db", "postgres://u@h:5432/"])
def test_malformed_database_url_stops_start_up_with_one_sentence(url):
    result = run_manage("check", DJANGO_DEBUG="1", DATABASE_URL=url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Configuration error: DATABASE_URL")
    assert result.stderr.count("\n") == 1


def test_production_mode_without_a_secret_stops_start_up():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_unknown_time_zone_stops_start_up():
    result = run_manage("check", DJANGO_DEBUG="1", CLINIC_TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "CLINIC_TIME_ZONE" in result.stderr and "Traceback" not in result.stderr


def test_production_mode_with_a_secret_starts():
    result = run_manage(
        "check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="clinic.example"
    )
    assert result.returncode == 0, result.stderr


PRINT_MFA = "from django.conf import settings; print(settings.STAFF_MFA_REQUIRED)"
PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "clinic.example"}


def test_staff_second_factor_is_required_in_production_and_optional_in_the_demo():
    assert run_manage("shell", "-c", PRINT_MFA, **PRODUCTION).stdout.split()[-1] == "True"
    assert run_manage("shell", "-c", PRINT_MFA, DJANGO_DEBUG="1").stdout.split()[-1] == "False"
    turned_on = run_manage("shell", "-c", PRINT_MFA, DJANGO_DEBUG="1", STAFF_MFA_REQUIRED="1")
    assert turned_on.stdout.split()[-1] == "True"


def test_default_database_is_a_sqlite_file_with_immediate_transactions_and_wal():
    db = database_from_url(None)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"].endswith("var/clinic.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 20
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_sqlite_url_names_the_file():
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"
    assert database_from_url("sqlite:///var/y.sqlite3")["NAME"].endswith("/var/y.sqlite3")


def test_postgres_url_is_parsed():
    db = database_from_url("postgres://bob:s%40cret@db.internal:6543/clinic?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "bob", "s@cret", "db.internal", "6543", "clinic",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_email_url_forms():
    assert email_from_url(None)["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    smtp = email_from_url("smtp://me:pw@mail.example:2525")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"]) == ("mail.example", 2525, True)
    assert email_from_url("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ValueError, match="EMAIL_URL"):
        email_from_url("carrier-pigeon://coop")
