"""Digests recorded and queued a batch at a time (one INSERT of records, one of outbox rows)
still go out once each when two runs race (two processes on PostgreSQL; two pools here),
and a batch larger than one holds every recipient's own digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, update

from bot.clock import FixedClock
from bot.flows import digest
from bot.flows.services import Services
from storage import people
from storage.db import Database
from storage.rows import inserted_id
from storage.schema import nudges, outbox, programme_members
from storage.schema import people as people_table
from storage.schema import programmes as programmes_table

NOW = datetime(2026, 12, 28, 0, 31, tzinfo=UTC)  # Monday 07:31 WIB
SUPERVISORS = digest.BATCH + 3  # two batches: a full one and a short one


async def _world(db: Database) -> list[int]:
    """A coordinator, supervisors of three mentees each, in a programme a year old."""
    async with db.write() as conn:
        programme = inserted_id(
            await conn.execute(
                insert(programmes_table).values(
                    name="Bench", kind="umum", starts_on=date(2025, 12, 29),
                    ends_on=date(2026, 12, 28), reflection_weekday=4, questions=[],
                    created_at=NOW,
                )
            )
        )  # fmt: skip
        await people.insert_person(
            conn, nip=None, name="Koordinator", unit="BKPSDM", timezone="Asia/Jakarta",
            language="id", roles=["coordinator"], now=NOW, telegram_id=900,
        )  # fmt: skip
        supervisors = []
        for s in range(SUPERVISORS):
            boss = await people.insert_person(
                conn, nip=None, name=f"Atasan {s}", unit=f"Unit {s}", timezone="Asia/Jakarta",
                language="id", roles=["supervisor"], now=NOW, telegram_id=1000 + s,
            )  # fmt: skip
            supervisors.append(boss)
            for m in range(3):
                mentee = await people.insert_person(
                    conn, nip=None, name=f"Mentee {s}.{m}", unit=f"Unit {s}",
                    timezone="Asia/Jakarta", language="id", roles=["mentee"], now=NOW,
                )  # fmt: skip
                paused = NOW + timedelta(days=3) if m == 1 else None
                await conn.execute(
                    update(people_table)
                    .where(people_table.c.id == mentee)
                    .values(supervisor_id=boss, nudges_paused_until=paused)
                )
                await conn.execute(
                    insert(programme_members).values(
                        programme_id=programme, person_id=mentee, role="mentee"
                    )
                )
    return supervisors


async def test_racing_runs_queue_each_digest_once(db_url: str, db: Database) -> None:
    supervisors = await _world(db)
    other = Database(db_url)  # another process's pool
    try:
        sent = await asyncio.gather(
            digest.weekly(Services(db=db, clock=FixedClock(NOW))),
            digest.weekly(Services(db=other, clock=FixedClock(NOW))),
        )
    finally:
        await other.dispose()
    assert sum(sent) == SUPERVISORS + 1  # every supervisor and the coordinator, once
    async with db.read() as conn:
        keys = (await conn.execute(select(outbox.c.dedup_key, outbox.c.params))).all()
        recorded = (await conn.execute(select(nudges.c.person_id))).scalars().all()
    assert len(recorded) == len(set(recorded)) == SUPERVISORS + 1
    by_key = {row.dedup_key: row.params for row in keys}
    assert len(by_key) == len(keys) == 2 * SUPERVISORS + 1  # digest and chart each, overview
    for s, boss in enumerate(supervisors):
        lines = by_key[f"digest:{boss}:2026-12-28:0"]["lines"]
        assert [line["name"] for line in lines] == [f"Mentee {s}.{m}" for m in range(3)]
        assert f"digest:{boss}:2026-12-28:chart" in by_key
    assert await digest.weekly(Services(db=db, clock=FixedClock(NOW))) == 0  # not again
