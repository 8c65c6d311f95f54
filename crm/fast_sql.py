"""Bulk writes in plain SQL, for re-scoring thousands of leads at once.

Used by ``crm.services.leads_bulk_record_qualification`` and by the qualification app's
bulk re-scoring (``qualification.services.reclassification``): both write one row per
lead, tens of thousands in a run. Django's ``bulk_update`` builds a ``CASE WHEN`` per
column over the whole batch and ``bulk_create`` builds and prepares a model instance
per row; here each row goes to the driver as it is, in one ``executemany``. The
same-run figure that keeps this module is in ``bench/RESULTS.md`` ("Bulk writes",
``python -m bench.bench_bulk_writes``).

What it relies on beyond the DB-API, so what to look at when Django or a driver
changes: ``connection.ops.quote_name``, ``connection.ops.insert_statement(on_conflict=)``
and ``connection.ops.on_conflict_suffix_sql()`` (the backend's own "ignore conflicts"
form, as ``bulk_create(ignore_conflicts=True)`` uses), ``Field.get_db_prep_save`` for
times and JSON, and psycopg 3's ``Jsonb`` for JSON that is already encoded.
``tests/crm/test_fast_sql.py`` writes the same rows with these functions and with the
ORM and compares what the database holds, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict


def _connection(model: type[Model]):
    return connections[router.db_for_write(model)]


def json_param(model: type[Model], field_name: str, encoded: str):
    """A query parameter for JSON column ``field_name`` from text that is already JSON
    (the scoring encodes each explanation once per ruleset, not once per row)."""
    connection = _connection(model)
    if connection.vendor == "sqlite":
        return encoded
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(encoded, dumps=_as_is)
    return model._meta.get_field(field_name).get_db_prep_save(json.loads(encoded), connection)


def _as_is(text: str) -> str:
    return text


def time_param(model: type[Model], field_name: str, value: datetime):
    """A query parameter for date-time column ``field_name`` (prepared once, used by many rows)."""
    connection = _connection(model)
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def update_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    set_null: Sequence[str] = (),
) -> None:
    """``UPDATE`` each row by primary key: a row is the values of ``fields`` (parameters as
    the driver takes them, see :func:`json_param` and :func:`time_param`) then the key.
    ``set_null`` fields are set to NULL on every row."""
    rows = list(rows)
    if not rows:
        return
    connection = _connection(model)
    quote, meta = connection.ops.quote_name, model._meta
    assignments = [f"{quote(meta.get_field(name).column)} = %s" for name in fields]
    assignments += [f"{quote(meta.get_field(name).column)} = NULL" for name in set_null]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """``INSERT`` the rows (values of ``fields``, parameters as the driver takes them);
    with ``ignore_conflicts`` a row that breaks a unique constraint is skipped, as
    ``bulk_create(ignore_conflicts=True)`` does."""
    rows = list(rows)
    if not rows:
        return
    connection = _connection(model)
    quote, meta = connection.ops.quote_name, model._meta
    columns = [meta.get_field(name) for name in fields]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
        f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        + connection.ops.on_conflict_suffix_sql(columns, on_conflict, None, None)
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_rows_returning_ids(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]
) -> list[int]:
    """``INSERT`` the rows as :func:`insert_rows` does, and return their new primary keys,
    in the rows' order: multi-row ``INSERT ... VALUES (...), (...) RETURNING`` statements
    (SQLite 3.35+ and PostgreSQL), as many rows a statement as the backend's parameter
    limit allows. What ``bulk_create`` does for the ids, without preparing a model
    instance and every field of every row (an import of 100,000 people: the figure is in
    bench/RESULTS.md, "CSV import")."""
    rows = list(rows)
    if not rows:
        return []
    connection = _connection(model)
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError(f"{connection.vendor} cannot return ids from a bulk insert")
    quote, meta = connection.ops.quote_name, model._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    limit = connection.features.max_query_params or 10_000
    per_statement = max(1, min(1000, limit // len(fields)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                f"{', '.join([placeholder] * len(chunk))} RETURNING {quote(meta.pk.column)}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids
