"""Reads that may lag: PostgreSQL read replicas behind a database router.

A streaming replica is seconds (sometimes more) behind the primary, so nothing is sent
there by guess: a read goes to a replica only inside :func:`lagging_reads`, a scope the
code opts into where a figure a few seconds old is as good as a fresh one (dashboards,
indicator tables and rankings, exports, circulars). Everything else, every write, and any
read that could be asked to see a write of its own stays on the primary:

- outside the scope: the primary (so a request that writes and then reads sees its write);
- inside it, once the scope has written anything: the primary for the rest of the scope;
- inside it, while the primary's connection has a transaction open: the primary (what the
  transaction wrote is visible nowhere else; a test's own transaction counts too, which is
  why the suite's mirrored replica alias is only reached by transactional tests);
- a replica further behind than ``HUYING_REPLICA_MAX_LAG`` seconds, or not answering: the
  primary, found out by one cheap query per replica every few seconds per process.

With no ``HUYING_REPLICA_URLS`` there is no replica alias and every read is the primary's,
as before. The router always names an alias (never None): an object read on a replica would
otherwise pull its relations from that replica outside the scope too.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

log = logging.getLogger(__name__)

#: Aliases of the replicas in settings.DATABASES: replica_1, replica_2, … (huying/settings.py).
REPLICA_PREFIX = "replica_"
#: How long one replica's lag measurement is trusted, in seconds.
LAG_CHECK_SECONDS = 5.0


@dataclass
class _Scope:
    replica: str | None = None  # chosen at the first read, kept for the scope's other reads
    wrote: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("huying_lagging_reads", default=None)
# alias → (monotonic time of the check, usable)
_checked: dict[str, tuple[float, bool]] = {}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


@contextmanager
def lagging_reads() -> Iterator[None]:
    """Reads inside may come from a replica a few seconds behind the primary. Also a
    decorator (``@lagging_reads()``). Nested scopes share the outer one."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def in_lagging_scope() -> bool:
    return _scope.get() is not None


def _primary_busy() -> bool:
    """The primary's connection has a transaction open in this thread."""
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


def replica_lag(alias: str) -> float:
    """Seconds the replica's replayed data is behind the primary; 0 when it has replayed all
    it received (an idle primary sends nothing, and the last replayed transaction's age then
    says nothing about lag), or when it is no standby at all (a test mirror)."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return 0.0
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery()"
            " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
            " END"
        )
        return float(cursor.fetchone()[0])


def _usable(alias: str) -> bool:
    max_lag = settings.HUYING_REPLICA_MAX_LAG
    if not max_lag:
        return True
    now = time.monotonic()
    seen = _checked.get(alias)
    if seen is not None and now - seen[0] < LAG_CHECK_SECONDS:
        return seen[1]
    try:
        lag = replica_lag(alias)
        usable = lag <= max_lag
        if not usable:
            log.warning(
                "replica %s is %.1f s behind (> %s s): reading the primary", alias, lag, max_lag
            )
    except DatabaseError as exc:
        usable = False
        log.warning("replica %s does not answer (%s): reading the primary", alias, exc)
    _checked[alias] = (now, usable)
    return usable


def forget_lag_checks() -> None:
    _checked.clear()


def read_alias() -> str:
    """The alias a read should use now, in this thread."""
    scope = _scope.get()
    if scope is None or scope.wrote or _primary_busy():
        return DEFAULT_DB_ALIAS
    if scope.replica is None:
        candidates = replica_aliases()
        random.shuffle(candidates)
        scope.replica = next((a for a in candidates if _usable(a)), DEFAULT_DB_ALIAS)
    return scope.replica


def lagging(queryset: QuerySet[M]) -> QuerySet[M]:
    """The queryset pinned to where a lagging read would go now: for a long read that writes
    as it goes (an export recording its progress), whose first write would otherwise send
    the rest of its reads back to the primary."""
    with lagging_reads():
        return queryset.using(read_alias())


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads as :func:`read_alias` says, writes and migrations
    on the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Copies of the same database: an object read on a replica may point at one read on
        # the primary.
        ours = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db.startswith(REPLICA_PREFIX):
            return False  # a standby is read-only; it gets the schema by replication
        return None
