"""Claims and leases of the outbox, on whichever back end the tests run (fixed clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import FixedClock
from storage import liveness, outbox, schema
from storage.db import Database


async def _queue(db: Database, clock: FixedClock, *rows: tuple[str, int]) -> None:
    async with db.write() as conn:
        for key, chat in rows:
            await outbox.enqueue(conn, dedup_key=key, chat_id=chat, text=key, now=clock.now())


async def _claim(db: Database, clock: FixedClock, limit: int = 10, owner: str = "a") -> list[str]:
    async with db.write() as conn:
        claimed = await outbox.claim_due(conn, clock.now(), limit, wall=clock.now(), owner=owner)
    return [m.dedup_key for m in claimed]


async def test_a_chats_later_rows_wait_while_an_earlier_one_is_held(
    db: Database, clock: FixedClock
) -> None:
    """Another sender must not send a chat's second row while the first is in flight."""
    await _queue(db, clock, ("a1", 1))
    assert await _claim(db, clock, owner="a") == ["a1"]
    clock.advance(timedelta(seconds=1))
    await _queue(db, clock, ("a2", 1), ("b1", 2))
    assert await _claim(db, clock, owner="b") == ["b1"]  # a2 waits for a1
    async with db.write() as conn:
        first = await conn.scalar(
            select(schema.outbox.c.id).where(schema.outbox.c.dedup_key == "a1")
        )
        await outbox.mark_sent(conn, first, 1, clock.now())
    assert await _claim(db, clock, owner="b") == ["a2"]


async def test_a_claim_takes_a_chats_rows_together_in_order(
    db: Database, clock: FixedClock
) -> None:
    for n in range(3):
        await _queue(db, clock, (f"x{n}", 5), (f"y{n}", 6))
        clock.advance(timedelta(seconds=1))
    assert await _claim(db, clock, limit=1) == ["x0", "x1"]  # one chat; up to 1 more row
    assert await _claim(db, clock, limit=5) == ["y0", "y1", "y2"]  # x2 waits for x0, x1


async def test_only_dead_owners_rows_are_released_in_their_place(
    db: Database, clock: FixedClock
) -> None:
    await _queue(db, clock, ("a1", 1), ("b1", 2))
    assert await _claim(db, clock, limit=1, owner="alive") == ["a1"]
    assert await _claim(db, clock, limit=1, owner="dead") == ["b1"]
    later = clock.now() + timedelta(minutes=5)
    async with db.write() as conn:
        assert await outbox.lease_owners(conn) == {"alive", "dead"}
        assert await outbox.release_leases(conn, {"dead"}, later) == 1
    async with db.read() as conn:
        assert await outbox.counts(conn) == {"sending": 1, "pending": 1}
    clock.advance(timedelta(seconds=1))
    assert await _claim(db, clock, owner="other") == ["b1"]  # due at once, not_before kept


async def test_a_process_is_alive_while_it_holds_its_lock(db: Database) -> None:
    """PostgreSQL: an id whose advisory lock is held is alive; once released, dead. SQLite:
    one process per file, so every id but one's own is dead."""
    life = liveness.ProcessLife(db)
    me = await life.hold()
    other = liveness.ProcessLife(Database(db.url))
    them = await other.hold()
    try:
        async with db.read() as conn:
            gone = await liveness.dead(conn, {me, them, None}, me)
        assert gone == ({them, None} if db.is_sqlite else {None})
        await other.release()
        async with db.read() as conn:
            assert await liveness.dead(conn, {me, them}, me) == {them}
    finally:
        await other.release()
        await other.db.dispose()
        await life.release()


async def test_chats_due_are_those_a_sender_can_claim_now(db: Database, clock: FixedClock) -> None:
    """Pending and due, or claimed under a lease that ran out; not a row planned for later,
    one a live lease holds, nor one sent or failed (the playground and the end-to-end tests
    wait for none to be left, through ``bot.app.has_work``)."""
    await _queue(db, clock, ("due", 1), ("flight", 2), ("sent", 3), ("failed", 4))
    wall = clock.now()  # the wall clock the claims below are given too
    async with db.write() as conn:
        await outbox.enqueue(
            conn, dedup_key="later", chat_id=5, text="later", now=clock.now() + timedelta(hours=1)
        )
        keys = dict(
            (await conn.execute(select(schema.outbox.c.dedup_key, schema.outbox.c.id))).all()
        )
        await outbox.mark_sent(conn, keys["sent"], 1, clock.now())
        await outbox.mark_failed(conn, keys["failed"], "blocked")
        await conn.execute(
            schema.outbox.update()
            .where(schema.outbox.c.dedup_key == "flight")
            .values(status=outbox.SENDING, lease_until=wall + timedelta(minutes=1))
        )
    async with db.read() as conn:
        assert await outbox.chats_due(conn, clock.now(), wall) == {1}  # "flight" is leased
        assert await outbox.chats_due(conn, clock.now() + timedelta(hours=1), wall) == {1, 5}
        lease_over = wall + timedelta(minutes=2)
        assert await outbox.chats_due(conn, clock.now(), lease_over) == {1, 2}
    clock.advance(timedelta(seconds=1))
    assert await _claim(db, clock) == ["due"]
    async with db.read() as conn:  # claimed: in the sender's hands now
        assert await outbox.chats_due(conn, clock.now(), clock.now()) == set()


async def _claimable(db: Database, clock: FixedClock, skip: set[int] | None = None) -> bool:
    async with db.read_alone() as conn:
        return await outbox.any_claimable(conn, clock.now(), skip or set(), wall=clock.now())


async def test_the_senders_look_agrees_with_what_a_claim_would_take(
    db: Database, clock: FixedClock
) -> None:
    """The sender looks (a read) before it claims (a write): the look must say yes whenever
    a claim would take something, and no when it would take nothing."""
    assert not await _claimable(db, clock)
    async with db.write() as conn:  # planned for later (queued "at" then): not claimable yet
        later = clock.now() + timedelta(seconds=30)
        await outbox.enqueue(conn, dedup_key="later", chat_id=1, text="later", now=later)
    assert not await _claimable(db, clock)
    await _queue(db, clock, ("b1", 2))
    assert await _claimable(db, clock)
    assert not await _claimable(db, clock, skip={2})  # the only due chat is busy
    assert await _claim(db, clock) == ["b1"]
    assert not await _claimable(db, clock)  # leased: in a sender's hands
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert await _claimable(db, clock)  # the lease ran out: claimable again (and "later")
    assert sorted(await _claim(db, clock)) == ["b1", "later"]
    assert not await _claimable(db, clock)
