"""Where SQLite statements run: on the event loop within ``on_loop()``, never waiting there.

Through ``Database`` on a real SQLite file, with SQLite's trace callback recording the
thread each statement ran on: an update's handling runs them on the loop's thread (the
inbox sets ``on_loop``), other work and ``bulk`` use cases on aiosqlite's; a write lock
held by another process never stops the loop (the statement goes to the thread and waits
there, then lands).
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from telegram import Bot, Update

from bot.clock import FixedClock
from bot.flows.bulk import bulk
from bot.inbox import Inbox
from storage.db import Database, on_loop
from tests.test_inbox import _message


class Traced:
    """A database whose every connection records the thread of each statement it runs."""

    def __init__(self, path: Path) -> None:
        self.db = Database(f"sqlite+aiosqlite:///{path}")
        self.threads: list[tuple[str, int]] = []

        @event.listens_for(self.db.engine.sync_engine, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            raw: sqlite3.Connection = dbapi_connection.driver_connection.sqlite
            raw.set_trace_callback(self._ran)

    def _ran(self, sql: str) -> None:
        if not sql.startswith("PRAGMA"):
            self.threads.append((sql, threading.get_ident()))

    def where(self, marker: str) -> set[str]:
        """Where each statement containing ``marker`` ran: "loop" or "thread"."""
        here = threading.get_ident()
        found = {
            "loop" if ident == here else "thread" for sql, ident in self.threads if marker in sql
        }
        assert found, f"no statement with {marker!r} ran"
        return found


@pytest.fixture
async def traced(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Traced]:
    """A migrated SQLite file (SQLite whatever the back end under test) and a table ``t``."""
    shutil.copyfile(sqlite_template, tmp_path / "where.db")
    traced = Traced(tmp_path / "where.db")
    async with traced.db.write() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield traced
    await traced.db.dispose()


async def _insert(db: Database, value: str) -> None:
    async with db.write() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})


async def _count(db: Database, value: str) -> int:
    async with db.read_alone() as conn:
        found = await conn.execute(text("SELECT count(*) FROM t WHERE v = :v"), {"v": value})
        return int(found.scalar() or 0)


async def test_statements_run_on_the_loop_only_within_on_loop(traced: Traced) -> None:
    await _insert(traced.db, "off")
    with on_loop():
        await _insert(traced.db, "on")
        assert await _count(traced.db, "on") == 1
    assert traced.where("INSERT") == {"thread", "loop"}
    loop_statements = [sql for sql, ident in traced.threads if ident == threading.get_ident()]
    assert any(sql.startswith("BEGIN IMMEDIATE") for sql in loop_statements)
    assert any(sql.startswith("COMMIT") for sql in loop_statements)
    assert any(sql.startswith("SELECT count") for sql in loop_statements)


async def test_a_bulk_use_case_runs_off_the_loop_within_on_loop(traced: Traced) -> None:
    @bulk
    async def many(db: Database) -> int:
        return await _count(db, "x")

    with on_loop():
        assert await many(traced.db) == 0
        await _insert(traced.db, "after")
    assert traced.where("SELECT count") == {"thread"}
    assert traced.where("INSERT") == {"loop"}


async def test_a_lock_held_by_another_process_never_stops_the_loop(
    traced: Traced, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "where.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, as a `pembina` command does
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        with on_loop():
            write = asyncio.create_task(_insert(traced.db, "waited"))
            await asyncio.sleep(0.5)
            assert not write.done()  # it waits for the lock...
            assert ticks >= 10  # ...off the loop, which went on
            other.execute("COMMIT")
            await asyncio.wait_for(write, 10)
            assert await _count(traced.db, "waited") == 1
    finally:
        ticker.cancel()
        other.close()
    # The BEGIN IMMEDIATE refused on the loop went again on the thread, and so did its
    # INSERT; the transaction's next statements would be back on the loop.
    assert "thread" in traced.where("BEGIN IMMEDIATE")
    assert traced.where("INSERT") >= {"thread"}


async def test_the_inbox_handles_an_update_on_the_loop(traced: Traced, clock: FixedClock) -> None:
    handled = asyncio.Event()

    async def process(update: Update) -> None:
        assert update.effective_message is not None
        await _insert(traced.db, update.effective_message.text or "")
        handled.set()

    inbox = Inbox(traced.db, clock, Bot("1:x"), process)
    await inbox.accept([_message(1, 9, "handled")])  # the inbox's own tests' update
    await inbox.drained(timeout=10)
    assert handled.is_set()
    assert await _count(traced.db, "handled") == 1
    assert traced.where("INSERT INTO inbox") == {"loop"}  # the batch stored
    assert traced.where("INSERT INTO t") == {"loop"}  # the handler's write (and its mark)
    assert traced.where("UPDATE inbox") == {"loop"}
