"""Many rows written by one prepared statement.

``bulk_create`` compiles an ``INSERT`` per batch and prepares every value through the model's
fields; on SQLite a batch is capped at 999 parameters (≈ 20 case events), so a bulk writer of
tens of thousands of rows spends most of its time in the ORM, not the database. These write
plain tuples with one ``executemany`` of one statement: for the rollups' rebuild, the demo
year's events and notifications, and the patrols' checklists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

#: Rows per ``executemany``: bounds the memory a batch of parameters holds.
BATCH = 5000


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values already in the database's form, in ``columns``' order)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[i : i + BATCH])


def insert_objects(objs: Sequence[Model]) -> None:
    """Insert unsaved model instances of one model, their ids left to the database (and not
    read back): each value prepared as ``bulk_create`` prepares it (``pre_save``, then
    ``get_db_prep_save``), the statement compiled once."""
    if not objs:
        return
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [
        tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields) for obj in objs
    ]
    insert_rows(model, [f.column for f in fields], rows)


def update_column(model: type[Model], column: str, values: Iterable[tuple[Any, Any]]) -> None:
    """``UPDATE … SET column = value WHERE id = pk`` for each ``(value, pk)``, one statement."""
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(values))
