"""The one place where SQL differs between SQLite and PostgreSQL: INSERT ... ON CONFLICT,
and the hours between two stored instants.

Both back ends speak the same ``ON CONFLICT`` clause, but SQLAlchemy builds it from each
dialect's own ``insert``; this picks the right one from the live connection.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    String,
    Table,
    TableValuedAlias,
    column,
    extract,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def _insert(conn: AsyncConnection, table: Table) -> Any:
    return _insert_for(conn.dialect.name, table)


def _insert_for(dialect: str, table: Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@functools.lru_cache(maxsize=256)
def insert_ignoring(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING``, built once per table and keys; the row
    comes as the execution's parameters (each update's own writes used to build it anew,
    with its cache key, at every call)."""
    return _insert_for(dialect, table).on_conflict_do_nothing(index_elements=list(keys))


@functools.lru_cache(maxsize=256)
def _upserting(dialect: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of ``columns``, built once (see above)."""
    stmt = _insert_for(dialect, table)
    changes = {k: stmt.excluded[k] for k in columns if k not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=changes)


async def insert_or_ignore(
    conn: AsyncConnection, table: Table, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """Insert a row unless one with the same ``keys`` exists; True if it was inserted."""
    stmt = insert_ignoring(conn.dialect.name, table, tuple(keys))
    result = await conn.execute(stmt, values)
    return result.rowcount == 1


async def insert_many_or_ignore(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert many rows in one statement (executemany), skipping those whose ``keys`` exist."""
    if rows:
        await conn.execute(insert_ignoring(conn.dialect.name, table, tuple(keys)), rows)


async def insert_many_new(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert many rows, skipping each that would break *any* unique index; returns the
    ``returning`` columns of the rows really inserted (a row another process inserted
    first, even uncommitted then, is skipped once that one commits)."""
    if not rows:
        return []
    columns = [table.c[name] for name in returning]
    stmt = _insert(conn, table).on_conflict_do_nothing().returning(*columns)
    return [tuple(row) for row in await conn.execute(stmt, rows)]


async def insert_new_from_select(
    conn: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    rows: Select[Any],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """``INSERT INTO table (columns) SELECT ...``, skipping each row that would break any
    unique index (like :func:`insert_many_new`), with no Python object per row; returns
    the ``returning`` columns of the rows really inserted."""
    stmt = _insert(conn, table).from_select(list(columns), rows).on_conflict_do_nothing()
    if not returning:
        await conn.execute(stmt)
        return []
    result = await conn.execute(stmt.returning(*[table.c[name] for name in returning]))
    return [tuple(row) for row in result]


def id_table(conn: AsyncConnection, ids: Sequence[int]) -> TableValuedAlias:
    """A one-column table (``value``) of ``ids`` from ONE bound parameter: SQLite's
    ``json_each`` of a JSON array, PostgreSQL's ``unnest`` of an array. A statement over a
    thousand people then has one parameter, not a thousand, so SQLAlchemy compiles it once
    and caches it, and SQLite parses no list of ``?``."""
    value = column("value", BigInteger)
    if conn.dialect.name == "postgresql":
        ids_array = literal(list(ids), postgresql.ARRAY(BigInteger))
        return func.unnest(ids_array).table_valued(value).render_derived()
    return func.json_each(literal(json.dumps(list(ids)), String)).table_valued(value)


async def upsert(
    conn: AsyncConnection, table: Table, values: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert a row, or update the non-key columns of the existing one."""
    stmt = _upserting(conn.dialect.name, table, tuple(values), tuple(keys))
    await conn.execute(stmt, values)


def hours_between(conn: AsyncConnection, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in hours, computed by the database: a year of review times is
    half a million rows, and turning each stored timestamp into a Python datetime only to
    subtract them cost more than the rest of a report."""
    if conn.dialect.name == "postgresql":
        return type_coerce(extract("epoch", later - earlier) / 3600.0, Float)
    return type_coerce((func.julianday(later) - func.julianday(earlier)) * 24.0, Float)
