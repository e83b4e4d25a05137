"""A province to benchmark against: seeded straight into SQLite, fast.

Shared by ``bench/digest.py`` and ``bench/tick.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from storage import people, weekly_facts
from storage.db import Database
from storage.rows import inserted_id
from storage.schema import people as people_table
from storage.schema import person_roles, programme_members, programmes, reflections

PER_SUPERVISOR = 100
WEEKS = 52
START = date(2025, 12, 29)  # a Monday; the programme runs 52 weeks from here
NOW = datetime(2026, 12, 28, 0, 31, tzinfo=UTC)  # Monday 07:31 WIB, the year's last digest
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


async def seed(db: Database, size: int, *, on_telegram: bool = False) -> list[int]:
    """A coordinator, one supervisor per 100 mentees, and ``size`` mentees in one programme
    (reflection day Friday) across WIB, WITA and WIT, each with 52 weeks of reflections,
    four in five sent. Returns the supervisors' ids. ``on_telegram`` binds the mentees too
    (nudges go only to people on Telegram)."""
    start = START
    async with db.write() as conn:
        programme = inserted_id(
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
        )
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
                    "timezone": ZONES[n % len(ZONES)],
                    "language": "id",
                    "telegram_id": 20_000_000 + n if on_telegram else None,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            roles.append({"person_id": first_id + n, "role": "mentee"})
            members.append(
                {"programme_id": programme, "person_id": first_id + n, "role": "mentee"}
            )
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
        await weekly_facts.rebuild(conn)  # seeded past the writers: the facts from history
    return supervisors
