"""Keep secret links out of logs.

A manage link, a portal sign-in link, an emailed confirmation link and a therapist's
calendar feed carry their secret in the URL path (the URL argument `token`), and whoever
reads a log line with one can act as that client or read that diary. Access logs
(gunicorn) and Django's own request log lines show such a path with the secret replaced
by `[token]`. The rule is the URL conf's: any URL argument named `token` is a secret, so a
new tokened URL is covered without touching this module.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from django.apps import apps
from django.urls import Resolver404, resolve
from gunicorn.glogging import Logger

REDACTED = "[token]"
# Absolute paths inside a log line: from a slash up to whitespace, a quote or the query.
_PATH = re.compile(r"(?<![\w/])/[^\s\"'?#]*")


def _redact_path(path: str) -> str:
    if not apps.ready:
        return path
    try:
        match = resolve(path)
    except (Resolver404, ValueError):
        return path
    token = match.kwargs.get("token")
    if not token:
        return path
    return path.replace(str(token), REDACTED)


def redact_tokens(text: str) -> str:
    """`text` with the secret of every tokened path in it replaced by [token]."""
    # Before the apps are loaded no request has been served, and resolving would import
    # the URL conf too early.
    if "/" not in text or not apps.ready:
        return text
    return _PATH.sub(lambda m: _redact_path(m.group(0)), text)


def _redact_url(value: str) -> str:
    # A Referer or Location may be absolute: redact its path, keep the rest.
    if "://" not in value:
        return redact_tokens(value)
    parts = urlsplit(value)
    return value.replace(parts.path, _redact_path(parts.path), 1) if parts.path else value


class TokenRedactingLogger(Logger):
    """gunicorn's logger, with tokens redacted from every access-log field (request line,
    path, Referer, Location)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: _redact_url(v) if isinstance(v, str) else v for k, v in atoms.items()}


class RedactTokens(logging.Filter):
    """Logging filter: Django's request log ("Not Found: /manage/<token>/") without tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        return True
