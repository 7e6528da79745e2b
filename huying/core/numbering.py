"""Unique numbers across processes on SQLite and PostgreSQL.

One UPDATE … RETURNING per number on a counter row. Call it *before* opening the
transaction that uses the number: the row lock is then held for one statement, not for the
whole intake, so concurrent intakes do not queue behind each other. A number taken by a
transaction that later rolls back is simply skipped (gap-tolerant).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from huying.core.models import Counter

_BUMP = f"UPDATE {Counter._meta.db_table} SET value = value + 1 WHERE key = %s RETURNING value"


def counter_next(key: str) -> int:
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_BUMP, [key])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():
                Counter.objects.create(key=key, value=0)
        except IntegrityError:
            pass  # another process created it first; bump again
    raise RuntimeError(f"counter {key!r} could not be advanced")
