"""Small typed helpers for reading results back, shared by every query module.

SQLAlchemy types ``inserted_primary_key`` as optional and rows as ``RowMapping``; these
keep the query modules free of casts and ``assert``s that say the same thing each time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import CursorResult, Select
from sqlalchemy import Row as ResultRow
from sqlalchemy.ext.asyncio import AsyncConnection

# A result row by column name: SQLAlchemy's RowMapping, or a plain dict built from one.
Row = Mapping[Any, Any]


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the row a single-row INSERT just created."""
    key = result.inserted_primary_key
    if key is None:  # only for executemany or a table without a primary key
        raise RuntimeError("the insert created no single row")
    return int(key[0])


def names_and_total(rows: CursorResult[Any]) -> tuple[list[str], int]:
    """Rows of (name, ``count() OVER ()``) from a query with a LIMIT: the names shown and
    how many there are in all (0 when there is no row)."""
    found: list[tuple[Any, ...]] = [tuple(row) for row in rows]
    return [str(row[0]) for row in found], int(found[0][1]) if found else 0


PARTITION = 5000  # rows fetched at a time by :func:`streamed`


async def streamed(conn: AsyncConnection, query: Select[Any]) -> AsyncIterator[ResultRow[Any]]:
    """The rows of ``query``, fetched :data:`PARTITION` at a time: the event loop answers
    other people between two partitions instead of waiting for a province's rows at once."""
    result = await conn.stream(query)
    async for partition in result.partitions(PARTITION):
        for row in partition:
            yield row


def labelled(table: Any, prefix: str) -> list[Any]:
    """Every column of ``table`` labelled ``prefix`` + its name, for a joined read whose
    rows :func:`picked` splits again by table."""
    return [c.label(f"{prefix}{c.name}") for c in table.c]


def picked(row: Mapping[str, Any], table: Any, prefix: str) -> dict[str, Any]:
    """``table``'s columns of a joined row read with :func:`labelled`, by column name."""
    return {c.name: row[f"{prefix}{c.name}"] for c in table.c}
