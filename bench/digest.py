"""Digest build benchmark: N mentees with 52 weeks of reflection history in SQLite.

Builds every supervisor's digest (100 mentees per supervisor) the way the Monday job
does, and prints the seconds, for each size given, so the growth shows.

    python bench/digest.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.flows import digest
from storage import people
from storage.db import Database
from storage.migrate import upgrade
from storage.schema import person_roles, programme_members, programmes, reflections

PER_SUPERVISOR = 100
WEEKS = 52
NOW = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)


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
            for n in range(size)
            for w in range(WEEKS)
            if (n + w) % 5
        ]
        for offset in range(0, len(history), 50_000):
            await conn.execute(insert(reflections), history[offset : offset + 50_000])
    return supervisors


async def run(size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-digest-"))
    db = Database(f"sqlite+aiosqlite:///{workdir / 'digest.db'}")
    await upgrade(db)
    seed_started = time.perf_counter()
    supervisors = await _seed(db, size)
    seeded = time.perf_counter() - seed_started
    started = time.perf_counter()
    async with db.read() as conn:
        for supervisor_id in supervisors:
            supervisor = await people.get_person(conn, supervisor_id)
            assert supervisor is not None
            lines = await digest.supervisor_lines(conn, supervisor, NOW)
            digest.render(lines, "id", supervisor.unit or "-")
    elapsed = time.perf_counter() - started
    await db.dispose()
    print(
        f"mentees: {size}, weeks: {WEEKS}, supervisors: {len(supervisors)}, "
        f"seed: {seeded:.1f} s, digests built: {elapsed:.1f} s "
        f"({elapsed / size * 1000:.2f} ms per mentee)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    for size in parser.parse_args().sizes:
        asyncio.run(run(size))


if __name__ == "__main__":
    main()
