"""The schema the migrations build equals the one the code describes; SQLite is set up for a bot."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.clock import FixedClock
from storage import outbox
from storage.db import AlreadyHandled, Database, handling_update
from storage.migrate import pending, upgrade
from storage.schema import metadata
from tests.postgres import sqlite_only


async def test_migrations_match_schema(db: Database) -> None:
    def _diff(connection):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with db.read() as conn:
        assert await conn.run_sync(_diff) == []
    assert await pending(db) == []
    await upgrade(db)  # a second upgrade is a no-op


@sqlite_only("the pragmas set on every SQLite connection")
async def test_sqlite_pragmas(db: Database) -> None:
    async with db.read() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 10_000


async def test_concurrent_writers_do_not_interleave(db: Database, clock: FixedClock) -> None:
    """Read-then-write under fifty coroutines: a lost update would reuse a key and be refused."""

    async def writer() -> bool:
        async with db.write() as conn:
            seen = (await outbox.counts(conn)).get("pending", 0)
            await asyncio.sleep(0)  # let the others run: they must wait for this transaction
            return await outbox.enqueue(
                conn, dedup_key=f"k{seen}", chat_id=1, text="x", now=clock.now()
            )

    results = await asyncio.gather(*(writer() for _ in range(50)))
    assert all(results)
    async with db.read() as conn:
        assert (await outbox.counts(conn))["pending"] == 50


async def test_failed_write_rolls_back(db: Database, clock: FixedClock) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await outbox.enqueue(conn, dedup_key="a", chat_id=1, text="x", now=clock.now())
            raise RuntimeError("boom")
    async with db.read() as conn:
        assert await outbox.counts(conn) == {}


async def test_outbox_key_is_unique_and_lease_expires(db: Database, clock: FixedClock) -> None:
    async with db.write() as conn:
        assert await outbox.enqueue(conn, dedup_key="a", chat_id=1, text="x", now=clock.now())
        assert not await outbox.enqueue(conn, dedup_key="a", chat_id=1, text="y", now=clock.now())
        wall = clock.now()
        claimed = await outbox.claim_due(conn, clock.now(), 10, wall=wall)
        assert [m.dedup_key for m in claimed] == ["a"]
        assert await outbox.claim_due(conn, clock.now(), 10, wall=wall) == []  # leased
        later = wall + outbox.LEASE + timedelta(seconds=1)
        again = await outbox.claim_due(conn, clock.now(), 10, wall=later)  # a crashed sender's
        assert [m.attempts for m in again] == [1]


async def test_a_lease_is_wall_time_whatever_the_bots_clock_says(
    db: Database, clock: FixedClock
) -> None:
    """A sender on a simulated clock (``jobs tick --at``, the playground) neither takes a
    row another sender holds nor holds one for days: leases are judged on the wall clock."""
    wall = clock.now()
    async with db.write() as conn:
        await outbox.enqueue(conn, dedup_key="a", chat_id=1, text="x", now=clock.now())
        [held] = await outbox.claim_due(conn, clock.now(), 10, wall=wall)
        ahead = clock.now() + timedelta(days=3)  # a clock moved days ahead
        assert await outbox.claim_due(conn, ahead, 10, wall=wall + timedelta(seconds=5)) == []
        behind = clock.now() - timedelta(days=3)  # a clock frozen in the past
        expired = wall + outbox.LEASE + timedelta(seconds=1)
        [again] = await outbox.claim_due(conn, behind, 10, wall=expired)
    assert again.id == held.id


async def test_update_recorded_with_first_write_and_replay_refused(
    db: Database, clock: FixedClock
) -> None:
    async def handle() -> None:
        handling_update(4242, clock.now())
        async with db.write() as conn:
            await outbox.enqueue(conn, dedup_key="u", chat_id=1, text="x", now=clock.now())
        async with db.write():  # a second write in the same handling is fine
            pass

    await asyncio.create_task(handle())
    with pytest.raises(AlreadyHandled):
        await asyncio.create_task(handle())


async def test_done_inbox_rows_are_kept_a_week_and_waiting_rows_forever(svc) -> None:  # type: ignore[no-untyped-def]
    from bot.scheduler import run_due_work
    from storage import inbox

    old = svc.clock.now() - timedelta(days=8)
    async with svc.db.write() as conn:
        await inbox.store(conn, [inbox.Received(n, 1, {"update_id": n}) for n in (1, 2, 3)], old)
        await inbox.mark_done(conn, 1, old)
        await inbox.mark_done(conn, 2, svc.clock.now() - timedelta(days=1))
    assert (await run_due_work(svc))["updates_forgotten"] == 1
    async with svc.db.read() as conn:
        assert await inbox.counts(conn) == {"done": 1, "waiting": 1}
        assert [r.update_id for r in await inbox.undone(conn)] == [3]


async def test_sent_messages_and_nudge_records_are_pruned(svc) -> None:  # type: ignore[no-untyped-def]
    """Sent rows go after 30 days, failed rows stay; nudge records go after 60 days."""
    from bot.scheduler import run_due_work
    from storage import nudges, people

    now = svc.clock.now()
    async with svc.db.write() as conn:
        person = await people.insert_person(
            conn,
            nip=None,
            name="A",
            unit=None,
            timezone="Asia/Jakarta",
            language="id",
            roles=["mentee"],
            now=now,
        )
        for key, age, status in (("old", 31, "sent"), ("new", 29, "sent"), ("bad", 90, "failed")):
            await outbox.enqueue(conn, dedup_key=key, chat_id=1, text=key, now=now)
            [row] = await outbox.claim_due(conn, now, 1, wall=now)
            if status == "sent":
                await outbox.mark_sent(conn, row.id, 1, now - timedelta(days=age))
            else:
                await outbox.mark_failed(conn, row.id, "gone")
        for period, age in (("old", 61), ("new", 59)):
            await nudges.record(
                conn,
                person_id=person,
                kind="k",
                period=period,
                local_date=(now - timedelta(days=age)).date(),
                now=now - timedelta(days=age),
            )
    assert (await run_due_work(svc))["history_pruned"] == 2
    async with svc.db.read() as conn:
        kept = [key for key in ("old", "new", "bad") if await outbox.exists(conn, key)]
        assert kept == ["new", "bad"]
        assert await nudges.recorded(conn, "k", {"old", "new"}) == {(person, "new")}
