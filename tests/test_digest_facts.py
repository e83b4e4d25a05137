"""The facts kept as reflections and sessions are written (``storage.weekly_facts``) say
what the history says: a seeded random year and a half of submits, edits, revisions,
approvals and sessions, written through storage's own writers, then every figure the
digest and /progres read from the facts is held to the same figure computed from every
history row. A writer that forgets the facts makes them disagree."""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import digest, weeks
from bot.flows.progress import (
    REFLECTED,
    counted,
    progress_and_last_sessions,
    progress_from_history,
)
from storage import people, programmes, progress_facts, reflections, sessions, weekly_facts
from storage.db import Database
from storage.models import Person
from storage.rows import inserted_id
from storage.schema import programme_members, yearly_facts
from storage.schema import programmes as programmes_table
from storage.schema import weekly_facts as facts_table

T0 = datetime(2026, 5, 1, tzinfo=UTC)
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
NOWS = (
    datetime(2026, 12, 28, 0, 31, tzinfo=UTC),  # Monday 07:31 WIB
    datetime(2027, 1, 3, 16, 0, tzinfo=UTC),  # Sunday night in WIT, Monday already
    datetime(2027, 9, 20, 3, 0, tzinfo=UTC),
)


async def _programme(db: Database, name: str, starts: date, ends: date, day: int) -> int:
    async with db.write() as conn:
        return inserted_id(
            await conn.execute(
                insert(programmes_table).values(
                    name=name, kind="umum", starts_on=starts, ends_on=ends,
                    reflection_weekday=day, questions=["q"], created_at=T0,
                )
            )
        )  # fmt: skip


async def _people(db: Database, n: int, programme_ids: list[int]) -> tuple[list[int], int]:
    async with db.write() as conn:
        mentor = await people.insert_person(
            conn, nip=None, name="Mentor", unit="U", timezone=ZONES[0], language="id",
            roles=["mentor"], now=T0,
        )  # fmt: skip
        ids = []
        for i in range(n):
            pid = await people.insert_person(
                conn, nip=None, name=f"Mentee {i}", unit=f"Unit {i % 3}" if i % 4 else None,
                timezone=ZONES[i % 3], language="id", roles=["mentee"], now=T0,
            )  # fmt: skip
            ids.append(pid)
            for programme_id in programme_ids[: 1 + i % 2]:
                await conn.execute(
                    insert(programme_members).values(
                        programme_id=programme_id, person_id=pid, role="mentee"
                    )
                )
    return ids, mentor


async def _week(
    conn: AsyncConnection, rng: random.Random, programme_id: int, pid: int, week: date
) -> None:
    """One week of one mentee's reflection, a random path through the states."""
    path = rng.choice(
        ["none", "draft", "sent", "approved", "revision", "resent", "edited", "long", "approved"]
    )
    if path == "none":
        return
    at = datetime.combine(week + timedelta(days=rng.randrange(12)), datetime.min.time(), UTC)

    async def move(rid: int, status: str, expect: tuple[str, ...], **values: object) -> None:
        assert await reflections.set_state(
            conn, rid, status=status, now=at, expect=expect, **values
        )

    draft = await reflections.open_draft(conn, programme_id, pid, week, at)
    minutes = rng.choice([None, 30, 60, 90, 240])
    await reflections.save_answer(conn, draft.id, 0, "jawaban", at, minutes=minutes)
    if path == "draft":
        return
    sent = {"late": rng.random() < 0.3, "submitted_at": at}
    await move(draft.id, "submitted", ("draft", "revision"), **sent)
    if path in ("approved", "long"):
        if path == "long":  # edited back to a draft, sent again, then approved
            await move(draft.id, "draft", ("submitted",))
            await move(draft.id, "submitted", ("draft", "revision"), late=True, submitted_at=at)
        await move(draft.id, "approved", ("submitted",), reviewed_at=at)
    elif path in ("revision", "resent"):
        await move(draft.id, "revision", ("submitted",))
        if path == "resent":
            await move(draft.id, "submitted", ("draft", "revision"), **sent)
    elif path == "edited":
        await move(draft.id, "draft", ("submitted",))


async def _history(db: Database, seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    short = await _programme(db, "Pendek", date(2026, 11, 4), date(2027, 2, 26), 4)
    # 70 weeks: more than one 60-week row of bits, over three calendar years.
    long = await _programme(db, "Panjang", date(2026, 6, 3), date(2027, 10, 1), 2)
    ids, mentor = await _people(db, 8, [short, long])
    async with db.read() as conn:
        spans = {p.id: p for p in await programmes.list_programmes(conn)}
    for i, pid in enumerate(ids):
        for programme_id in [short, long][: 1 + i % 2]:
            p = spans[programme_id]
            first = p.starts_on - timedelta(days=p.starts_on.weekday()) - timedelta(weeks=1)
            async with db.write() as conn:  # a mentee's programme a transaction: fast
                for week in weeks.weeks_between(first, p.ends_on + timedelta(weeks=1)):
                    await _week(conn, rng, programme_id, pid, week)
        for _ in range(rng.randrange(6)):
            held = date(2026, 6, 1) + timedelta(days=rng.randrange(480))
            async with db.write() as conn:
                logged = await sessions.log_session(
                    conn, programme_id=long, mentor_id=mentor, mentee_id=pid, held_on=held,
                    minutes=rng.choice([30, 45, 60, 120]), topic="t", mode="online",
                    logged_by_id=mentor, now=T0,
                )  # fmt: skip
                answer = rng.choice(["confirm", "dispute", "open"])
                if answer == "confirm":
                    assert await sessions.confirm(conn, logged.id, T0)
                    assert not await sessions.confirm(conn, logged.id, T0)  # counted once
                elif answer == "dispute":
                    assert await sessions.dispute(conn, logged.id, T0)
                    assert not await sessions.confirm(conn, logged.id, T0)
    return ids, [short, long]


def _units_from_history(
    enrolments: list[progress_facts.Enrolment],
    reflected: set[tuple[int, int, date]],
    every: dict[int, object],
    now: datetime,
) -> list[list[object]]:
    """The coordinator's per-unit rates as the digest computed them before the facts."""
    units: dict[str, list[int]] = {}
    for e in enrolments:
        week = weeks.week_start(now, e.timezone) - timedelta(days=7)
        done = (e.person_id, e.programme_id, week) in reflected
        due = counted(every[e.programme_id], week, e.timezone, now, done)  # type: ignore[arg-type]
        tally = units.setdefault(e.unit or "-", [0, 0])
        tally[0] += due and done
        tally[1] += due
    return [[unit, done, due] for unit, (done, due) in sorted(units.items())]


async def _facts(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    async with db.read() as conn:
        weekly = (await conn.execute(select(facts_table).order_by(*facts_table.c))).all()
        yearly = (await conn.execute(select(yearly_facts).order_by(*yearly_facts.c))).all()
    return [tuple(r) for r in weekly], [tuple(r) for r in yearly]


async def test_facts_give_the_figures_history_gives(db: Database) -> None:
    ids, _ = await _history(db, seed=12)
    async with db.read() as conn:
        mentees: list[Person] = await people.get_people(conn, ids)
        every = {p.id: p for p in await programmes.list_programmes(conn)}
        for now in NOWS:
            from_facts, last = await progress_and_last_sessions(conn, mentees, now)
            from_history = await progress_from_history(conn, mentees, now)
            assert from_facts == from_history
            assert any(p.pending_reviews for p in from_facts)
            assert any(p.late_weeks for p in from_facts)
            assert any(p.jp_year for p in from_facts)
            assert last == await progress_facts.last_sessions(conn, ids)
            overview = await digest.coordinator_digest(conn, now)
            assert overview is not None
            unmatched = await people.get_people(conn, await progress_facts.unmatched_mentees(conn))
            assert overview.params["unmatched"] == [p.name for p in unmatched]
            last_weeks = [weeks.week_start(now, z) - timedelta(days=7) for z in ZONES]
            assert overview.params["units"] == _units_from_history(
                await progress_facts.active_enrolments(conn),
                await progress_facts.reflected_in(conn, last_weeks, REFLECTED),
                every,  # type: ignore[arg-type]
                now,
            )


async def test_rebuilding_from_history_changes_nothing(db: Database) -> None:
    """What the writers kept is what migration 0021 (the same SQL) makes from history."""
    await _history(db, seed=7)
    kept = await _facts(db)
    assert kept[0]
    assert kept[1]
    async with db.write() as conn:
        await weekly_facts.rebuild(conn)
    assert await _facts(db) == kept


def test_the_migration_backfills_with_the_rebuild_sql() -> None:
    path = Path(__file__).parents[1] / "storage/migrations/versions/0021_weekly_facts.py"
    spec = importlib.util.spec_from_file_location("m0021", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for dialect in ("sqlite", "postgresql"):
        assert migration._backfill(dialect) == weekly_facts.rebuild_sql(dialect)[2:]
