"""Reading the trail in id order without skipping an event that commits late.

A reader that pages by event id (``GET /api/v1/events?after=…``) must never move past an id
whose transaction has not committed yet: on PostgreSQL two case writes run at once, the
first may take id 100 and the second id 101 and commit first; a poller that saw 101 and
went on from there would never see 100.

So on PostgreSQL every transaction that appends an event holds a shared advisory lock from
before it takes its id until it ends (``hold_event_order``, called by the engine), and a
reader takes the highest id it can see, then waits for the lock exclusively
(``settled_event_horizon``): once it has it, every transaction that could still hold a
lower id has ended, so every id up to that one is final. Writers never wait for each other
(shared locks); they wait for a reader only while it waits for the writers in flight.

On SQLite one transaction writes at a time, so an id seen is an id whose predecessors are
final: nothing to hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import DatabaseError, connection, transaction
from django.db.models import Model, QuerySet, TextField
from django.db.models.expressions import RawSQL

from huying.cases.models import CaseEvent

M = TypeVar("M", bound=Model)

#: The advisory lock's key (any constant the application uses for nothing else).
TRAIL_ORDER_LOCK = 0x6875_7969_6E67  # "huying"

#: How long a reader waits for the writers in flight before it answers with what is final.
READER_WAIT_MS = 2000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


#: Set while a step runs whose first read took the lock (``read_holding_event_order``).
_held: ContextVar[bool] = ContextVar("huying_trail_order_held", default=False)


def hold_event_order() -> None:
    """Before an event takes its id: held (shared) until the transaction ends."""
    if _postgres() and not _held.get():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [TRAIL_ORDER_LOCK])


def read_holding_event_order(queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` whose row, as it is read, takes the lock: a step that reads its case this
    way (in the transaction it then writes in, inside ``event_order_held``) spends no
    statement of its own on it. A read that finds no row takes nothing, and writes nothing."""
    if not _postgres():
        return queryset
    held: QuerySet[M] = queryset.annotate(  # type: ignore[assignment]
        _trail_order=RawSQL(
            "pg_advisory_xact_lock_shared(%s)", [TRAIL_ORDER_LOCK], output_field=TextField()
        )
    )
    return held


@contextmanager
def event_order_held() -> Iterator[None]:
    """The block runs in the transaction of a read by ``read_holding_event_order`` that
    found its row: the lock is held, ``hold_event_order`` need not take it again."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def settled_event_horizon() -> int | None:
    """The highest event id below which no event can still appear; None: no limit (SQLite).

    When the writers in flight do not finish within ``READER_WAIT_MS``, the answer is 0 (no
    event is known final yet): the reader gets nothing new this time rather than a gap."""
    if not _postgres():
        return None
    table = CaseEvent._meta.db_table
    try:
        # A statement reads the rows as they were when it began, so the highest id is the
        # one seen before the wait. The lock is session-level and given back at once (not
        # kept to the end of a transaction the caller may be in); a refusal rolls back only
        # this block. The timeout holds to the end of the block's transaction.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{READER_WAIT_MS}ms"])
            cursor.execute(
                f'SELECT (SELECT MAX("id") FROM "{table}"), pg_advisory_lock(%s)',
                [TRAIL_ORDER_LOCK],
            )
            seen = cursor.fetchone()[0] or 0
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TRAIL_ORDER_LOCK])
    except DatabaseError:
        return 0
    return int(seen)
