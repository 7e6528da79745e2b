"""Rows written by statements whose text is built once.

``bulk_create`` compiles an ``INSERT`` per batch and prepares every value through the model's
fields; on SQLite a batch is capped at 999 parameters (≈ 20 case events), so a bulk writer of
tens of thousands of rows spends most of its time in the ORM, not the database. The first
helpers write plain tuples with one ``executemany`` of one statement (PostgreSQL: one
``COPY``): for the rollups' rebuild, the demo year's events and notifications, and the
patrols' checklists.

The last two are the lifecycle's hot writes, taken on every step: the case's compare-and-set
and its event's insert. Through the ORM each compiled its statement anew (≈ 0.25 ms of CPU
each, for ≈ 0.05 ms of database work on SQLite); here the statement's text is kept per model
and set of columns, and only the values are prepared, as the ORM prepares them. They take
plain values only (a model instance stands for its id), never expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any, cast

from django.db import connection, models
from django.db.models import Field, Model

#: Rows per ``executemany``: bounds the memory a batch of parameters holds.
BATCH = 5000


def _written_fields(model: type[Model]) -> list[Field[Any, Any]]:
    """The columns an insert names: every concrete field but the id."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


#: Django's own fields whose database value is the Python value itself when it has exactly
#: this type (their ``get_db_prep_save`` returns it unchanged): most of a wide row's values,
#: each otherwise passed through three or four of the field's methods.
_AS_IS: dict[type[Any], type[Any]] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.BooleanField: bool,
    models.FloatField: float,
}


@cache
def _preparer(field: Any) -> Callable[[Any], Any]:
    """How ``field`` prepares a value to write, with the field's methods skipped where they
    would return the value unchanged (an exact type, not a subclass: a custom field may
    prepare differently)."""
    target = field.target_field if type(field) is models.ForeignKey else field
    as_is = _AS_IS.get(type(target))

    def prepare(value: Any) -> Any:
        if value is None or type(value) is as_is:
            return value
        return field.get_db_prep_save(value, connection)

    return prepare


def _column(field: Any) -> str:
    return cast(str, field.column)


def _pk_column(model: type[Model]) -> str:
    return _column(model._meta.pk)


def _insert_sql(model: type[Model], columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def _values(obj: Model, fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """``obj``'s values for ``fields`` as ``bulk_create`` prepares them (``pre_save``, then the
    field's preparation, skipped where it returns the value unchanged)."""
    return [_preparer(f)(f.pre_save(obj, True)) for f in fields]


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values already in the database's form, in ``columns``' order).

    On PostgreSQL by ``COPY … FROM STDIN``: the rows go as one stream, where ``executemany``
    sends (and psycopg prepares) a statement per row."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        copy_sql = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = _insert_sql(model, columns)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[i : i + BATCH])


def insert_objects(objs: Sequence[Model]) -> None:
    """Insert unsaved model instances of one model, their ids left to the database (and not
    read back), the statement built once."""
    if not objs:
        return
    model = type(objs[0])
    fields = _written_fields(model)
    insert_rows(model, [_column(f) for f in fields], [_values(obj, fields) for obj in objs])


def update_column(model: type[Model], column: str, values: Iterable[tuple[Any, Any]]) -> None:
    """``UPDATE … SET column = value WHERE id = pk`` for each ``(value, pk)``, one statement."""
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s "
        f"WHERE {quote(_pk_column(model))} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(values))


def _prepared(model: type[Model], name: str, value: Any) -> tuple[str, Any]:
    """The column of field ``name`` (or attname) and ``value`` as the database takes it."""
    field = model._meta.get_field(name)
    if isinstance(value, Model):
        value = value.pk
    elif hasattr(value, "resolve_expression"):
        raise TypeError(f"{name}: an expression, not a value")
    return _column(field), _preparer(field)(value)


@cache
def _update_sql(model: type[Model], columns: tuple[str, ...], where: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
    conditions = " AND ".join(f"{quote(c)} = %s" for c in where)
    return f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {conditions}"


def update_where(model: type[Model], values: Mapping[str, Any], **where: Any) -> int:
    """``UPDATE`` the rows whose columns equal ``where`` (by field name; ``pk`` for the id)
    with ``values``; the number of rows changed (a compare-and-set: 0 when it lost)."""
    sets = [_prepared(model, name, value) for name, value in values.items()]
    conditions = [
        _prepared(model, cast(Any, model._meta.pk).name if name == "pk" else name, value)
        for name, value in where.items()
    ]
    sql = _update_sql(model, tuple(c for c, _ in sets), tuple(c for c, _ in conditions))
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for _, v in sets] + [v for _, v in conditions])
        return int(cursor.rowcount)


@cache
def _insert_returning_sql(model: type[Model]) -> str:
    columns = [_column(f) for f in _written_fields(model)]
    pk = connection.ops.quote_name(_pk_column(model))
    return f"{_insert_sql(model, columns)} RETURNING {pk}"


def insert_one(obj: Model) -> None:
    """``INSERT`` a new row and set its id, as ``obj.save(force_insert=True)`` does (no
    signals are sent: the models written here have no receivers)."""
    if not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True)
        return
    values = _values(obj, _written_fields(type(obj)))
    with connection.cursor() as cursor:
        cursor.execute(_insert_returning_sql(type(obj)), values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, connection.alias
