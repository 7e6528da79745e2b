"""Unique numbers across processes on SQLite and PostgreSQL.

One UPDATE … RETURNING per number on a counter row. Call it *before* opening the
transaction that uses the number: the row lock is then held for one statement, not for the
whole intake, so concurrent intakes do not queue behind each other. A number taken by a
transaction that later rolls back is simply skipped (gap-tolerant).

On PostgreSQL that statement, taken on its own, also commits without waiting for its WAL
to reach the disk (``synchronous_commit`` off for it alone). The counter row is the one row
every intake of the day writes: with a flush per bump each intake held it for a disk flush
(≈ 5 ms here), capping intake near 200 a second however many servers ran. Nothing is lost
by it: WAL is written in order, so the synchronous commit of the case that uses a number
flushes the bump before it; a bump lost in a crash is one whose number no stored case has.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from huying.core.models import Counter

_TABLE = Counter._meta.db_table


def _bump_sql(*, unflushed: bool, id_of: type[Model] | None) -> str:
    """The counter's UPDATE … RETURNING. ``unflushed``: committing without waiting for the
    flush (PostgreSQL, a statement outside a transaction: ``set_config(…, true)`` lasts to
    the end of the statement's own transaction). ``id_of``: also the next id from that
    model's sequence (PostgreSQL)."""
    returning = "value"
    if id_of is not None:
        table = id_of._meta.db_table
        column = id_of._meta.pk.column
        returning += f", nextval(pg_get_serial_sequence('{table}', '{column}'))"
    if unflushed:
        return (
            "WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true))"
            f" UPDATE {_TABLE} SET value = value + %s FROM unflushed WHERE key = %s"
            f" RETURNING {returning}"
        )
    return f"UPDATE {_TABLE} SET value = value + %s WHERE key = %s RETURNING {returning}"


def counter_next(key: str) -> int:
    return counter_block(key, 1)


def counter_next_and_id(key: str, model: type[Model]) -> tuple[int, int | None]:
    """The next number under ``key`` and, on PostgreSQL, the next id of ``model``'s rows
    from their sequence, in the same statement (None on SQLite, which has no sequences): a
    row that knows its id before it is written is written once — with what is derived from
    its id, such as the sealed head of a case's trail — instead of inserted, then updated."""
    return _bump(key, 1, id_of=model if connection.vendor == "postgresql" else None)


def counter_block(key: str, count: int) -> int:
    """The first of ``count`` consecutive numbers, all taken in one statement (a bulk
    import numbers its cases in one block: the others' numbers fall before or after it)."""
    return _bump(key, count, id_of=None)[0]


def _bump(key: str, count: int, *, id_of: type[Model] | None) -> tuple[int, int | None]:
    if count < 1:
        raise ValueError("a block holds at least one number")
    # Inside a transaction the setting would last to its end: the caller's commit would
    # then not wait for the flush either.
    unflushed = connection.vendor == "postgresql" and not connection.in_atomic_block
    sql = _bump_sql(unflushed=unflushed, id_of=id_of)
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [count, key])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0]) - count + 1, (int(row[1]) if id_of is not None else None)
        try:
            with transaction.atomic():
                Counter.objects.create(key=key, value=0)
        except IntegrityError:
            pass  # another process created it first; bump again
    raise RuntimeError(f"counter {key!r} could not be advanced")
