"""Migration 0024: the Monday digest's joins each read one B-tree, and no fact is lost."""

from __future__ import annotations

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import digest_lines
from storage.db import Database
from storage.migrate import upgrade
from storage.schema import people, programmes, weekly_facts, yearly_facts
from storage.weekly_facts import _supervised_statement
from tests.conftest import START
from tests.postgres import sqlite_only
from tests.test_lock_migration import _downgrade


async def _table_sql(conn: AsyncConnection, name: str) -> str:
    found = await conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": name},
    )
    return str(found.scalar_one())


async def _digest_plan(conn: AsyncConnection) -> str:
    blocks = range(40, 43)
    statement = _supervised_statement(digest_lines.years_now(START), blocks, "sqlite")
    sql = statement.params(ids=[1, 2]).compile(
        dialect=conn.dialect, compile_kwargs={"literal_binds": True}
    )
    rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
    return "\n".join(str(row[-1]) for row in rows)


@sqlite_only("SQLite's rowid tables and query plans")
async def test_the_digests_joins_read_one_btree_each(db: Database) -> None:
    async with db.read() as conn:
        for table in ("weekly_facts", "yearly_facts"):
            assert "WITHOUT ROWID" in await _table_sql(conn, table)
        plan = await _digest_plan(conn)
    assert "COVERING INDEX ix_programme_members_person" in plan
    for alias in ("first_year", "latest", "block_0", "block_1", "block_2"):
        assert f"SEARCH {alias} USING PRIMARY KEY" in plan, plan


async def test_0024_keeps_every_fact_both_ways(db_url: str) -> None:
    database = Database(db_url)
    try:
        await upgrade(database)
        await _downgrade(database, "0021")
        async with database.write() as conn:
            await conn.execute(
                insert(people),
                [
                    {
                        "id": n,
                        "name": f"P{n}",
                        "timezone": "Asia/Jakarta",
                        "language": "id",
                        "created_at": START,
                        "updated_at": START,
                    }
                    for n in (1, 2)
                ],
            )
            await conn.execute(
                insert(programmes).values(
                    id=7,
                    name="Bench",
                    kind="coaching",
                    starts_on=START.date(),
                    ends_on=START.date(),
                    reflection_weekday=4,
                    questions=[],
                    created_at=START,
                )
            )
            await conn.execute(
                insert(weekly_facts),
                [
                    {"person_id": 1, "programme_id": 7, "block": 47, "reflected": 5, "late": 4},
                    {"person_id": 2, "programme_id": 7, "block": 47, "reflected": 1, "late": 0},
                ],
            )
            await conn.execute(
                insert(yearly_facts),
                [{"person_id": 1, "year": 2026, "approved_minutes": 90, "session_minutes": 60}],
            )
        before = await _facts(database)
        await upgrade(database)
        assert await _facts(database) == before
        await _downgrade(database, "0021")
        assert await _facts(database) == before
        if database.is_sqlite:
            async with database.read() as conn:
                assert "WITHOUT ROWID" not in await _table_sql(conn, "yearly_facts")
    finally:
        await database.dispose()


async def _facts(database: Database) -> list[tuple[object, ...]]:
    async with database.read() as conn:
        years = (await conn.execute(select(yearly_facts).order_by(*yearly_facts.c))).all()
        weeks = (await conn.execute(select(weekly_facts).order_by(*weekly_facts.c))).all()
    assert len(years) == 1
    assert len(weeks) == 2
    return [tuple(row) for row in [*years, *weeks]]
