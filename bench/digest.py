"""Digest build benchmark: N mentees with 52 weeks of reflection history in SQLite.

Runs the Monday job itself (``digest.weekly`` at 07:31 WIB): every supervisor's digest
(100 mentees per supervisor) and one coordinator's programme-wide digest, built, recorded
and queued in the outbox with each unit's chart figures. Prints the seconds, the messages
queued, peak memory, and what the next minute's tick costs once everything is sent, for
each size given, so the growth shows. (Drawing a chart happens when it is sent: see
``bench/chart.py``.)

    python bench/digest.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.clock import FixedClock
from bot.flows import digest
from bot.flows.services import Services
from storage import outbox, people
from storage.db import Database
from storage.migrate import upgrade
from storage.schema import person_roles, programme_members, programmes, reflections

PER_SUPERVISOR = 100
WEEKS = 52
NOW = datetime(2026, 12, 28, 0, 31, tzinfo=UTC)  # Monday 07:31 WIB


async def _seed(db: Database, size: int) -> list[int]:
    start = date(2025, 12, 29)
    async with db.write() as conn:
        programme = (
            await conn.execute(
                insert(programmes).values(
                    name="Bench",
                    kind="umum",
                    starts_on=start,
                    ends_on=start + timedelta(weeks=WEEKS),
                    reflection_weekday=4,
                    questions=[],
                    created_at=NOW,
                )
            )
        ).inserted_primary_key[0]
        await people.insert_person(
            conn,
            nip=None,
            name="Koordinator",
            unit="BKPSDM",
            timezone="Asia/Jakarta",
            language="id",
            roles=["coordinator"],
            now=NOW,
            telegram_id=9_999_999,
        )
        supervisors = []
        for s in range(size // PER_SUPERVISOR):
            supervisors.append(
                await people.insert_person(
                    conn,
                    nip=None,
                    name=f"Atasan {s}",
                    unit=f"Unit {s}",
                    timezone="Asia/Jakarta",
                    language="id",
                    roles=["supervisor"],
                    now=NOW,
                    telegram_id=10_000_000 + s,
                )
            )
        rows, roles, members = [], [], []
        first_id = supervisors[-1] + 1
        for n in range(size):
            rows.append(
                {
                    "id": first_id + n,
                    "name": f"Mentee {n}",
                    "unit": f"Unit {n // PER_SUPERVISOR}",
                    "supervisor_id": supervisors[n // PER_SUPERVISOR],
                    "timezone": "Asia/Jakarta",
                    "language": "id",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            roles.append({"person_id": first_id + n, "role": "mentee"})
            members.append(
                {"programme_id": programme, "person_id": first_id + n, "role": "mentee"}
            )
        from storage.schema import people as people_table

        await conn.execute(insert(people_table), rows)
        await conn.execute(insert(person_roles), roles)
        await conn.execute(insert(programme_members), members)
        for chunk in range(0, size, 1000):  # streamed: 100 000 x 52 rows do not fit at once
            history = [
                {
                    "programme_id": programme,
                    "person_id": first_id + n,
                    "week_start": start + timedelta(weeks=w),
                    "status": "approved",
                    "answers": {},
                    "minutes": 60,
                    "version": 1,
                    "late": False,
                    "submitted_at": NOW,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(chunk, min(chunk + 1000, size))
                for w in range(WEEKS)
                if (n + w) % 5
            ]
            await conn.execute(insert(reflections), history)
    return supervisors


async def run(size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-digest-"))
    db = Database(f"sqlite+aiosqlite:///{workdir / 'digest.db'}")
    await upgrade(db)
    seed_started = time.perf_counter()
    supervisors = await _seed(db, size)
    seeded = time.perf_counter() - seed_started
    svc = Services(db=db, clock=FixedClock(NOW))
    started = time.perf_counter()
    recipients = await digest.weekly(svc)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = await digest.weekly(svc)
    next_tick = time.perf_counter() - started
    async with db.read() as conn:
        queued = (await outbox.counts(conn)).get("pending", 0)
    await db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"mentees: {size}, weeks: {WEEKS}, supervisors: {len(supervisors)}, "
        f"seed: {seeded:.1f} s, digests: {recipients} built in {elapsed:.1f} s "
        f"({elapsed / size * 1000:.2f} ms per mentee), messages queued: {queued}, "
        f"next tick: {next_tick * 1000:.0f} ms ({again} more), peak RSS: {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    for size in parser.parse_args().sizes:
        asyncio.run(run(size))


if __name__ == "__main__":
    main()
