"""Two real ``pembina run`` processes on one PostgreSQL database: one leader.

Only the leader runs the minute scheduler and the outbox sender, so a Monday digest is
built, queued and sent once; the other process handles updates and waits. When the leader
is killed with SIGKILL its lock session ends and the other takes over within seconds: its
sender sends what is queued and its scheduler runs.

Before the leader lock every process ran both, and neither said which it was. The test
does not depend on which process receives updates: it sends none while both run.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.telegram_double import TelegramDouble
from storage import inbox, outbox
from storage.db import Database
from storage.schema import inbox as inbox_table
from storage.schema import outbox as outbox_table
from tests import postgres
from tests.conftest import REPO
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.processes import stop_gently
from tests.e2e.world import IDS, paired

MONDAY_0745_WIB = datetime.fromisoformat("2026-12-14T00:45:00+00:00")
DIGEST = "Ringkasan mingguan"
BECAME = "This process is now the leader"
WAITING = "Another process is the leader"
TAKEOVER_SECONDS = 10.0  # the follower tries every 2 s; a loaded machine gets some slack
OLD_UPDATE = 10**9


class Process:
    """A ``pembina run`` subprocess at the test's instant, its output in a file."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.log = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, double: TelegramDouble, db_url: str) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": double.token,
            "TELEGRAM_API_BASE_URL": double.base_url,
            "DATABASE_URL": db_url,
            "PEMBINA_ADMIN_IDS": str(ADMIN_ID),
            "PEMBINA_LANGUAGE": "en",
            "PYTHONPATH": str(REPO),
        }
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.e2e.pembina_at",
                MONDAY_0745_WIB.isoformat(),
                "run",
                "--no-migrate",
                cwd=self.log.parent,
                env=env,
                stdout=out,
                stderr=out,
            )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def said(self, words: str, timeout: float = 60.0) -> float:
        """Wait until the process printed ``words``; returns the loop time it was seen."""
        await _until(lambda: words in self.text(), timeout, f"{self.name}: {words!r}")
        return asyncio.get_running_loop().time()

    async def stop(self) -> None:
        if self.process is not None:
            await stop_gently(self.process)


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not seen within {timeout} s: {what}")
        await asyncio.sleep(0.1)


async def _outbox_settled(db: Database) -> dict[str, int]:
    for _ in range(600):
        async with db.read() as conn:
            counts = await outbox.counts(conn)
        if not counts.get("pending") and not counts.get("sending"):
            return counts
        await asyncio.sleep(0.1)
    raise AssertionError(f"outbox not drained: {counts}")


async def _old_update(db: Database, update_id: int) -> None:
    """An update handled eight days ago: past the inbox's retention, the next tick drops it."""
    long_ago = MONDAY_0745_WIB - timedelta(days=8)
    async with db.write() as conn:
        await inbox.store(conn, [inbox.Received(update_id, None, {})], long_ago)
        await inbox.mark_done(conn, update_id, long_ago)


async def _digest_rows(db: Database) -> list[str]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(outbox_table.c.dedup_key).where(outbox_table.c.dedup_key.like("digest:%"))
        )
        return [row.dedup_key for row in rows]


@pytest.mark.long
@postgres.postgres_only("several bot processes share one database server")
async def test_two_processes_one_leader_and_a_takeover_after_kill_9(
    bot: BotUnderTest, double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    users = await paired(bot, double)
    await bot.stop()  # the world is ready; from here on only the two processes run
    agus, budi = users["Dr. Agus Salim"], users["Budi Santoso"]

    first, second = Process("first", tmp_path), Process("second", tmp_path)
    db = Database(db_url)
    try:
        assert await _digest_rows(db) == []
        await first.start(double, db_url)
        await first.said(BECAME)
        # The Monday digest, due at the processes' clock, is built by the leader's tick.
        await _until(lambda: "'digests': 3" in first.text(), 90, "the leader's digests")
        # An update done long ago: a scheduler's tick forgets it. The follower must not.
        await _old_update(db, OLD_UPDATE)
        await second.start(double, db_url)
        await second.said(WAITING)
        await asyncio.sleep(3)  # the follower has tried again: still one leader
        assert BECAME not in second.text()
        assert "scheduled work" not in second.text()  # its scheduler did not run

        # ... and sent once.
        await _outbox_settled(db)
        await double.settle(quiet=1.0)
        digests = await _digest_rows(db)
        assert len(digests) == len(set(digests)) == 4  # Agus's text and chart, Siti, admin
        received = agus.unread()
        assert [m.kind for m in received if m.kind == "photo"] == ["photo"]
        assert sum(DIGEST in m.text for m in received if m.kind == "text") == 1

        # The leader dies. Meanwhile a message is queued and an old update waits to be
        # forgotten: only a running sender and a running scheduler do these.
        assert first.process is not None
        first.process.send_signal(signal.SIGKILL)
        killed_at = asyncio.get_running_loop().time()
        await first.process.wait()
        async with db.write() as conn:
            await outbox.enqueue(
                conn,
                dedup_key="leader-test:after-kill",
                chat_id=IDS["Budi Santoso"],
                text="Sent by the new leader",
                now=MONDAY_0745_WIB,
            )
        await _old_update(db, OLD_UPDATE + 1)
        took_over_at = await second.said(BECAME, timeout=30)
        assert took_over_at - killed_at < TAKEOVER_SECONDS, took_over_at - killed_at

        message = await budi.next_message(timeout=30)
        assert message.text == "Sent by the new leader"

        async def forgotten() -> bool:
            async with db.read() as conn:
                found = await conn.execute(
                    select(func.count())
                    .select_from(inbox_table)
                    .where(inbox_table.c.update_id >= OLD_UPDATE)
                )
                return found.scalar_one() == 0

        for _ in range(300):  # the new leader's first tick runs as it takes over
            if await forgotten():
                break
            await asyncio.sleep(0.2)
        assert await forgotten()
        assert await _digest_rows(db) == digests  # and it did not queue the digest again
        await double.settle(quiet=1.0)
        assert agus.unread() == []
    finally:
        await second.stop()
        await first.stop()
        await db.dispose()
    assert second.process is not None
    assert second.process.returncode == 0
    assert "This process is no longer the leader" in second.text()


@postgres.postgres_only("the leader lock's session is ended on the server")
async def test_a_leader_whose_lock_session_ends_stops_at_once_and_leads_again(
    double: TelegramDouble, db: Database, db_url: str, tmp_path: Path
) -> None:
    """The server ends the lock's session (an operator, a restart of a pooler, a network
    cut): the lock may be someone else's now, so the process stops its scheduler and
    sender at once; alone, it takes the free lock again and sends on."""
    user = double.user(850, first_name="Rudi")
    only = Process("only", tmp_path)
    try:
        await only.start(double, db_url)
        await only.said(BECAME)
        holder = await postgres.leader_session(db_url)
        assert holder is not None
        assert await postgres.admin_value("SELECT pg_terminate_backend($1)", holder)
        stopped_at = await only.said("This process is no longer the leader", timeout=15)
        await _until(lambda: only.text().count(BECAME) == 2, 15, "leading again")
        assert stopped_at < asyncio.get_running_loop().time()
        assert await postgres.leader_session(db_url) not in (None, holder)

        await user.send_text("/start")  # the bot may write to Rudi from now on
        await user.next_messages(2, timeout=30)
        async with db.write() as conn:
            await outbox.enqueue(
                conn,
                dedup_key="leader-test:after-reconnect",
                chat_id=850,
                text="Sent after leading again",
                now=MONDAY_0745_WIB,
            )
        assert (await user.next_message(timeout=30)).text == "Sent after leading again"
    finally:
        await only.stop()
