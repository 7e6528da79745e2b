"""Unique numbers across processes on SQLite and PostgreSQL.

One UPDATE … RETURNING per number on a counter row. Call it *before* opening the
transaction that uses the number: the row lock is then held for one statement, not for the
whole intake, so concurrent intakes do not queue behind each other. A number taken by a
transaction that later rolls back is simply skipped (gap-tolerant).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from huying.core.models import Counter

_BUMP = f"UPDATE {Counter._meta.db_table} SET value = value + %s WHERE key = %s RETURNING value"


def counter_next(key: str) -> int:
    return counter_block(key, 1)


def counter_block(key: str, count: int) -> int:
    """The first of ``count`` consecutive numbers, all taken in one statement (a bulk
    import numbers its cases in one block: the others' numbers fall before or after it)."""
    if count < 1:
        raise ValueError("a block holds at least one number")
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_BUMP, [count, key])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0]) - count + 1
        try:
            with transaction.atomic():
                Counter.objects.create(key=key, value=0)
        except IntegrityError:
            pass  # another process created it first; bump again
    raise RuntimeError(f"counter {key!r} could not be advanced")
