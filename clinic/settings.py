"""Settings for the clinic, driven by environment variables (see the table in README.md).

Configuration mistakes stop start-up with one sentence on stderr instead of a traceback:
a clinic owner should be told what to fix, not be shown Django's internals.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import xstatic.pkg.bootstrap as _xbootstrap
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLINIC_VAR_DIR", BASE_DIR / "var"))

# pytest and `manage.py test` run with DEBUG off but need no production secret.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]


def _stop(sentence: str) -> None:
    """Stop start-up with one clear sentence and a non-zero exit code."""
    sys.stderr.write(f"Configuration error: {sentence}\n")
    raise SystemExit(2)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    _stop(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")
    return default  # pragma: no cover


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        _stop(f"{name} must be a whole number, not {raw!r}.")
    return default  # pragma: no cover


def database_from_url(url: str | None) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry; raise ValueError with a sentence."""
    if not url:
        return _sqlite(VAR_DIR / "clinic.sqlite3")
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as dj-database-url reads them.
        path = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
        if not path:
            raise ValueError("DATABASE_URL sqlite:/// needs a file path, e.g. sqlite:///var/clinic.sqlite3.")
        return _sqlite(Path(path) if Path(path).is_absolute() else BASE_DIR / path)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ValueError(
                "DATABASE_URL must name a database, e.g. postgres://user@127.0.0.1:5432/clinic."
            )
        try:
            port = parsed.port
        except ValueError:
            raise ValueError("DATABASE_URL has a port that is not a number.") from None
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ValueError(
        f"DATABASE_URL must start with sqlite:/// or postgres://, not {url.split(':', 1)[0]!r}."
    )


def _sqlite(path: Path) -> dict:
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent bookings queue on
    # the busy timeout instead of failing with "database is locked" half-way through.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # Kept open between requests, as on PostgreSQL: opening a connection (with its
        # PRAGMAs and functions) cost more than a cached page, which reads the database
        # once for its generation (clinic.generations).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        # Tests use a real file (threads must not share an in-memory database); one per
        # process so several test runs on one machine do not collide.
        "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"clinic-test-{os.getpid()}.sqlite3")},
    }


def email_from_url(url: str | None) -> dict:
    """EMAIL_URL: smtp://user:pass@host:port?tls=1, file:///path, console:, locmem:."""
    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(VAR_DIR / "mail"),
        }
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parsed.path or str(VAR_DIR / "mail"),
        }
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtps"}:
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": scheme == "smtp" and query.get("tls", "1") not in {"0", "false"},
        }
    raise ValueError(f"EMAIL_URL must start with smtp://, smtps://, file://, console: or locmem:, not {url!r}.")


DEBUG = _env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "django-insecure-demo-key-only-for-local-use-never-in-production"
    else:
        _stop(
            "DJANGO_SECRET_KEY is not set; production mode (DJANGO_DEBUG off) needs a long random "
            "secret, or set DJANGO_DEBUG=1 for a local demo."
        )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS and (DEBUG or TESTING):
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_FAILURE_VIEW = "clinic.error_pages.csrf_failure"
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

try:
    DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"))}
    _email = email_from_url(os.environ.get("EMAIL_URL"))
except ValueError as exc:
    _stop(str(exc))
globals().update(_email)

TIME_ZONE = os.environ.get("CLINIC_TIME_ZONE", "America/Toronto")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    _stop(f"CLINIC_TIME_ZONE {TIME_ZONE!r} is not a known time zone, e.g. America/Toronto.")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en-ca"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "clinic"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

INSTALLED_APPS = [
    # django.contrib.admin with the clinic's admin site (the staff workspace) as its site.
    "bookings.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "clinic",
    "treatments",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.NoStoreByDefaultMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the two above, so a page answered from the cache still gets their headers.
    "clinic.pagecache.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "clinic.sessions.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clinic.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.mfa.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Argon2 first: a password stored with PBKDF2 (every account made before) is re-hashed
# with Argon2 the next time its owner signs in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    # Personas get real passwords; a slow hasher would cost the suite a second per test.
    # The upgrade from PBKDF2 to Argon2 is tested with these settings overridden.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# --- Staff sign-in: lockout (django-axes) and a second factor (django-otp) --------------
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username or IP before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _env_int("STAFF_LOGIN_FAILURE_LIMIT", 5)
# Minutes; each failure during a lockout starts the wait again.
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("STAFF_LOGIN_LOCKOUT_MINUTES", 15))
# Either one locks: too many failures for one username (from anywhere) or from one IP
# (on any username).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "clinic/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the Nth
# address from the right; with 0 (no proxy) X-Forwarded-For is ignored, since anyone can
# send it. The rate limits read the client address the same way (clinic.ratelimit).
TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
# Therapists and the clinic manager (the roles that see clinical records) must sign in
# with a TOTP code or a recovery code as well as their password. On in production; the demo
# and the test suite turn it off unless asked.
STAFF_MFA_REQUIRED = _env_bool("STAFF_MFA_REQUIRED", not (DEBUG or TESTING))
# The back office lists and removes authenticators but never shows their secrets or QR
# codes: whoever could read them could sign in as that person.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list[Path | tuple[str, str]] = [
    BASE_DIR / "clinic" / "static",
    # Bootstrap comes from the installed XStatic package, never from a CDN.
    ("bootstrap", _xbootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# The default SQLite file, collected static files and demo mail live under var/.
with contextlib.suppress(OSError):  # read-only deployments collect static elsewhere
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"

# Sessions: a staff session idles out after 30 minutes (health data on screen).
SESSION_COOKIE_AGE = _env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Renewed at most once a minute (clinic/sessions.py), not written on every request.
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True

if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Content-Security-Policy (django-csp) ------------------------------------------------
# Scripts and styles come only from our own static files: no inline code and no style=""
# attributes anywhere, so an injected <script> or style does nothing. A page that must
# build a style sheet (the diary's block positions) marks its <style> with the request's
# nonce. data: images are Bootstrap's built-in icons and the blank favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- The clinic itself -----------------------------------------------------------------
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Riverside Sciatica & Hip Clinic")
# The name authenticator apps show next to a staff member's code.
OTP_TOTP_ISSUER = CLINIC_NAME
CLINIC_ADDRESS = os.environ.get("CLINIC_ADDRESS", "120 King Street West, Suite 4, Toronto, ON M5H 1A1")
CLINIC_PHONE = os.environ.get("CLINIC_PHONE", "+1 416 555 0142")
CLINIC_EMAIL = os.environ.get("CLINIC_EMAIL", "hello@clinic.example")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{CLINIC_NAME} <{CLINIC_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute base for links in emails and calendar files (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Records retention after the last visit, in years (Ontario: 10; England: 8; many US states: 7).
RECORDS_RETENTION_YEARS = _env_int("RECORDS_RETENTION_YEARS", 10)
# Booking and one-time-link requests per IP, "N/s|m|h"; empty turns the limit off.
BOOKING_RATE_LIMIT = os.environ.get("BOOKING_RATE_LIMIT", "10/m")
# Unsigned notes older than this many hours appear in "notes to sign".
NOTES_SIGN_WITHIN_HOURS = _env_int("NOTES_SIGN_WITHIN_HOURS", 24)
REMINDER_WINDOW_HOURS = _env_int("REMINDER_WINDOW_HOURS", 24)
# A therapist reads a client's record once they have treated them (checked in), or this many
# hours before an appointment someone else booked with them, to prepare.
CARE_PREPARATION_HOURS = _env_int("CARE_PREPARATION_HOURS", 24)
# An unfinished online booking's answers are kept this long after the last step, then purged.
BOOKING_DRAFT_MINUTES = _env_int("BOOKING_DRAFT_MINUTES", 60)
# How long "break the glass" (emergency access with a written reason) lasts, in minutes.
BREAK_GLASS_MINUTES = _env_int("BREAK_GLASS_MINUTES", 60)
# Therapists' private calendar feeds show client initials unless this is on.
CALENDAR_FEED_FULL_NAMES = _env_bool("CALENDAR_FEED_FULL_NAMES", False)

# --- Background work (README: "Background work") -----------------------------------------
# Jobs are rows in the application's own database, inserted in the transaction of the change
# that causes them; `manage.py run_worker` runs them and the upkeep schedule.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A failed email is tried this many times in all, waiting EMAIL_RETRY_SECONDS, then 4x as
# long after each failure (1 min, 4, 16, 64, 256: about six hours); then staff see it.
EMAIL_MAX_ATTEMPTS = _env_int("EMAIL_MAX_ATTEMPTS", 6)
EMAIL_RETRY_SECONDS = _env_int("EMAIL_RETRY_SECONDS", 60)
# Seconds an SMTP connection may hang before the attempt counts as failed.
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 30)
# A job that has been running this long belongs to a dead worker: its email is queued again.
TASK_LOST_AFTER_SECONDS = _env_int("TASK_LOST_AFTER_SECONDS", 600)
# How often each worker checks the upkeep schedule, and how often the lost-job sweep runs.
UPKEEP_TICK_SECONDS = _env_int("UPKEEP_TICK_SECONDS", 30)
EMAIL_SWEEP_SECONDS = _env_int("EMAIL_SWEEP_SECONDS", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secret links (manage, portal sign-in, feeds) never reach a log in their URL.
    "filters": {"redact_tokens": {"()": "clinic.logredact.RedactTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own console handlers would print request paths unfiltered: everything
        # goes through the root handler above instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
