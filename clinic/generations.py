"""Change markers ("generations") kept in the database, for caching what is computed from it.

Each name (`DIARY`, `CLIENTS`, `CATALOGUE`) is one row of `clinic.Generation` holding a
random token. A write that changes what a name covers calls `bump(name)` (the receivers in
each app's `ready()` do it for every ORM save and delete of those models; services that
write with `QuerySet.update()` call it themselves). The bump is a single autocommit upsert
run in `transaction.on_commit`, never inside the writer's transaction: a booking never
waits on, or serialises behind, the marker row.

A reader reads the tokens first (one query) and puts them in its cache key
(`cached()`), then reads the data only on a miss. Why this never serves a stale value once a
change has committed and its writer has answered:
- the data is read after the token, so a value stored under a token is at least as new as
  the commit that token followed;
- the bump runs right after the commit, before the writer's request answers; a new token
  is never reused (random, not a counter, so a database restored from a backup cannot
  meet cache entries of another timeline under the same token);
- the token lives in the database, so every process and every cache backend sees the same
  one: a per-process cache (SQLite deployments use Django's local-memory cache) is still
  correct, each process just fills its own;
- a connection whose open transaction holds an unsaved bump (it changed the data and has
  not committed) reads its own changes, which no cache entry has: `cached()` computes
  afresh for it. Tests running in one transaction get fresh values the same way.
A missing or evicted entry is recomputed. `TIMEOUT` bounds how long a lost bump (the
process dying between the commit and the bump) could keep an old value.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save

DIARY = "diary"  # free time and the schedule: appointments, hours, time off, closures, rooms,
# therapists, the booking policy and what can be booked
CLIENTS = "clients"  # client names, as the schedule shows them
CATALOGUE = "catalogue"  # the public catalogue pages: treatments, options, who offers them
ACCESS = "access"  # staff access: roles, permissions, who holds them, therapist records
NAMES = (DIARY, CLIENTS, CATALOGUE, ACCESS)

TIMEOUT = 10 * 60
_TABLE = "clinic_generation"
T = TypeVar("T")


class _Bump:
    """The on_commit callback of `bump()`; recognisable in a connection's pending list."""

    __slots__ = ("names", "using", "done")

    def __init__(self, names: Iterable[str], using: str) -> None:
        self.names = set(names)
        self.using = using
        self.done = False

    def __call__(self) -> None:
        self.done = True
        read = _read.get()
        if read is not None:  # inside `read_once()`: read the new tokens next time
            read.pop(self.using, None)
        rows = [(name, secrets.token_hex(8)) for name in sorted(self.names)]
        values = ", ".join(["(%s, %s)"] * len(rows))
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_TABLE} (name, token) VALUES {values} "
                "ON CONFLICT (name) DO UPDATE SET token = excluded.token",
                [part for row in rows for part in row],
            )


def _pending(using: str) -> list[tuple[set, _Bump]]:
    connection = connections[using]
    if not connection.in_atomic_block:
        return []
    # Done: run already though still listed (a test running the callbacks by hand).
    return [
        (sids, func)
        for sids, func, _robust in connection.run_on_commit
        if isinstance(func, _Bump) and not func.done
    ]


def bump(*names: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give each name a new token once the current transaction commits (at once outside
    one); nothing when it rolls back. Several bumps in one transaction write once."""
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"Unknown generation names: {sorted(unknown)}")
    alive = set(connections[using].savepoint_ids)
    for sids, pending in _pending(using):
        # One registered at this savepoint level or an outer one runs whenever this
        # change commits (and at worst when it does not: a harmless extra bump).
        if sids <= alive:
            pending.names.update(names)
            return
    transaction.on_commit(_Bump(names, using), using=using, robust=True)


def receiver(*names: str) -> Callable[..., None]:
    """A post_save / post_delete / m2m_changed receiver that bumps `names`."""

    def on_change(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
        if kwargs.get("raw") or str(kwargs.get("action", "post")).startswith("pre"):
            return  # fixtures loading; an m2m change not made yet
        bump(*names, using=using)

    return on_change


def watch(app_config: Any, models: Iterable[str], *names: str) -> None:
    """Bump `names` after every save and delete of these models of the app (ORM signals:
    admin, services, shell alike; bulk operations and QuerySet.update() bump themselves)."""
    changed = receiver(*names)
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                changed,
                sender=app_config.get_model(model),
                weak=False,
                dispatch_uid=f"generation_{app_config.label}_{model}_{signal is post_save}",
            )


# The tokens read inside `read_once()`, by database alias; None outside one.
_read: ContextVar[dict[str, dict[str, str]] | None] = ContextVar("generation_tokens", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block (a view answering one request), the tokens are read from the
    database once: a page that reads several cached values asks once, not once a value.
    What it shows is then as new as that read, as if it were one value. A bump that runs
    inside the block (this request committed a change) ends the reuse, so the request
    goes on to read its own change."""
    reset = _read.set({})
    try:
        yield
    finally:
        _read.reset(reset)


def tokens(*names: str, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The current tokens of `names` as one string for a cache key (one query, none more
    inside `read_once()`), or None when this connection holds uncommitted changes to one
    of them: then only a fresh computation shows them."""
    wanted = set(names)
    if any(pending.names & wanted for _sids, pending in _pending(using)):
        return None
    read = _read.get()
    found = read.get(using) if read is not None else None
    if found is None:
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT name, token FROM {_TABLE}")
            found = dict(cursor.fetchall())
        if read is not None:
            read[using] = found
    return ".".join(found.get(name, "") for name in names)


class Recent:
    """The last few values this process read or computed, in front of the shared cache:
    unpickling a large value from Redis (a week of every therapist's free times) cost more
    than the rest of the request. Keys carry the generation token, so an entry of an old
    generation is simply never asked for again; values are never changed by their users,
    and expire like the shared cache's."""

    def __init__(self, size: int, timeout: float = TIMEOUT) -> None:
        self.size = size
        self.timeout = timeout
        self.entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            self.entries.move_to_end(key)
            return found[1]

    def set(self, key: str, value: Any) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + self.timeout, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


recent = Recent(32)  # at most some 10 MB: a week of free times is under 300 kB


def cached(token: str | None, parts: tuple, compute: Callable[[], T], timeout: int = TIMEOUT) -> T:
    """`compute()`, kept in the cache under `token` (from `tokens()`) and `parts` (what
    else the value depends on: every argument of the computation). A None token computes
    without the cache."""
    if token is None:
        return compute()
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    key = f"generation:{token}:{digest}"
    found = recent.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            found = (compute(),)
            cache.set(key, found, timeout)
        recent.set(key, found)
    return found[0]
