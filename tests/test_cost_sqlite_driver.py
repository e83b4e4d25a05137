"""storage/sqlite_driver.py: one trip per statement must change nothing SQLite does.

Through ``Database`` on a real SQLite file: a statement failing right after its held-back
BEGIN still leaves no transaction open (it once did: the rollback was skipped and the next
write found "a transaction within a transaction"), a result larger than the first fetch
streams whole, row counts and new ids come back, and a transaction that ran nothing ends
cleanly. Each holds both where statements run: on aiosqlite's thread, and on the event
loop's within ``on_loop()`` (an update's handling).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import sqlite_driver
from storage.db import Database, on_loop

Where = Callable[[], AbstractContextManager[None]]


@pytest.fixture(params=["thread", "loop"])
def where(request: pytest.FixtureRequest) -> Where:
    """Where the test's statements run: aiosqlite's thread, or the event loop's."""
    enabled = request.param == "loop"
    return lambda: on_loop(enabled)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.write() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        await conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))
    yield database
    await database.dispose()


async def test_a_failed_first_statement_leaves_no_transaction_open(
    db: Database, where: Where
) -> None:
    with where():
        for _ in range(3):
            with pytest.raises(Exception, match="UNIQUE"):
                async with db.write() as conn:
                    await conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'again')"))
        async with db.write() as conn:
            await conn.execute(text("INSERT INTO t (id, v) VALUES (2, 'b')"))
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2


async def test_a_large_result_streams_whole(db: Database, where: Where) -> None:
    with where():
        rows = 2 * sqlite_driver.PREFETCH + 7
        async with db.write() as conn:
            await conn.execute(
                text("INSERT INTO t (id, v) VALUES (:id, 'x')"),
                [{"id": n} for n in range(10, 10 + rows)],
            )
        async with db.read() as conn:
            every = (await conn.execute(text("SELECT id FROM t WHERE id >= 10"))).scalars().all()
            streamed = await conn.stream(text("SELECT id FROM t WHERE id >= 10 ORDER BY id"))
            seen = [row[0] async for partition in streamed.partitions(300) for row in partition]
        assert len(every) == rows
        assert seen == list(range(10, 10 + rows))


async def test_row_counts_and_new_ids_come_back(db: Database, where: Where) -> None:
    with where():
        async with db.write() as conn:
            inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('new')"))
            assert inserted.lastrowid == 2
            changed = await conn.execute(text("UPDATE t SET v = 'z'"))
            assert changed.rowcount == 2


async def test_a_transaction_that_ran_nothing_ends_cleanly(db: Database, where: Where) -> None:
    with where():
        async with db.write():
            pass
        async with db.read():
            pass
        async with db.read_alone() as conn:
            assert (await conn.execute(text("SELECT v FROM t"))).scalar() == "a"
        async with db.write() as conn:
            await conn.execute(text("UPDATE t SET v = 'b'"))
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT v FROM t"))).scalar() == "b"
