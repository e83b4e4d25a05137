"""The Monday run and /ringkasan build supervisors' digests straight from the facts' rows
(``bot.flows.digest_lines``); /progres shows each person's ``MenteeProgress``. Over a
seeded random history (late, revised, edited and waiting reflections, sessions, two
overlapping programmes and an ended one, pauses, an unreachable mentee, milestones) the
digests' params are byte-identical to those built from each person's ``MenteeProgress``
(``_from_progress``: how /ringkasan built them before) at several instants, in several
zones."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import FixedClock
from bot.flows import digest, digest_lines, weeks
from bot.flows.digest import Line, Notice
from bot.flows.progress import MenteeProgress, progress_and_last_sessions
from bot.flows.services import Services
from storage import milestone_marks, people, programmes
from storage.db import Database
from storage.models import Person
from storage.schema import outbox as outbox_table
from storage.schema import people as people_table
from storage.schema import programme_members
from tests.test_digest_facts import NOWS, T0, ZONES, _history, _programme

NOTHING_DUE = datetime(2026, 6, 1, 0, 31, tzinfo=UTC)  # before the first week was due


def _week_facts(p: MenteeProgress, week: date, now: datetime) -> list[str]:
    """[state, ISO due date]: how a week stands (``WeekState``) and when it is due."""
    due = week + timedelta(days=p.programme.reflection_weekday)
    return [p.state(week, now).value, due.isoformat()]


def _line_facts(line: Line, now: datetime) -> dict[str, Any]:
    """A digest line from what /progres shows the person."""
    p = line.progress
    this_week = p.this_week or weeks.week_start(now, p.person.timezone)
    last_week = this_week - timedelta(days=7)
    until = p.person.nudges_paused_until
    return {
        "name": p.person.name,
        "unit": p.person.unit or "-",
        "programme": p.programme.name,
        "week": _week_facts(p, this_week, now),
        "last_week": _week_facts(p, last_week, now),
        "tally": [last_week in p.due_weeks, last_week in p.done_weeks],
        "paused_until": (
            weeks.local_date(until - timedelta(seconds=1), p.person.timezone).isoformat()
            if until is not None and p.paused(now)
            else None
        ),
        "streak": p.streak,
        "pending": p.pending_reviews,
        "waiting_days": p.oldest_waiting_days,
        "last_session": line.last_session,
        "jp": p.jp_year,
        "flags": line.at_risk,
        "milestones": [p.milestones_confirmed, len(p.milestones)],
    }


async def _from_progress(
    conn: AsyncConnection, supervisor: Person, now: datetime
) -> list[Notice] | None:
    """A supervisor's digest and chart from each person's ``MenteeProgress``."""
    members = await people.supervised_by(conn, supervisor.id)
    progress, last = await progress_and_last_sessions(conn, members, now, active_only=True)
    lines = [
        Line(
            p,
            last[p.person.id].isoformat() if p.person.id in last else None,
            p.person.status == "unreachable",
        )
        for p in progress
    ]
    if not lines:
        return None
    title = ", ".join(sorted({line.progress.person.unit or "-" for line in lines}))
    found = [
        Notice(
            "digest.supervisor", {"title": title, "lines": [_line_facts(x, now) for x in lines]}
        )
    ]
    rates = digest.weekly_rates(lines)
    if rates:
        points = [[week.isoformat(), done, due] for week, done, due in rates]
        found.append(Notice("digest.chart", {"unit": title, "points": points}))
    return found


async def _supervisors(db: Database, ids: list[int], long: int) -> list[Person]:
    """Two supervisors sharing the mentees; a pause, an unreachable mentee, milestones
    (confirmed, done, open) and an ended programme some of them are in."""
    ended = await _programme(db, "Selesai", date(2026, 5, 4), date(2027, 12, 31), 0)
    async with db.write() as conn:
        bosses = [
            await people.insert_person(
                conn, nip=None, name=f"Atasan {s}", unit=f"Biro {s}", timezone=ZONES[s],
                language="id", roles=["supervisor"], now=T0, telegram_id=500 + s,
            )
            for s in range(2)
        ]  # fmt: skip
        for i, pid in enumerate(ids):
            await conn.execute(
                update(people_table).where(people_table.c.id == pid).values(
                    supervisor_id=bosses[i % 2],
                    nudges_paused_until=datetime(2027, 12, 31, 17, tzinfo=UTC) if i % 3 == 0 else None,
                    status="unreachable" if i == 5 else "active",
                )
            )  # fmt: skip
        await programmes.set_status(conn, ended, "ended")
        for pid in ids[:3]:
            await conn.execute(
                insert(programme_members).values(programme_id=ended, person_id=pid, role="mentee")
            )
        await programmes.replace_milestones(conn, long, [("Satu", None), ("Dua", None)])
        first, second = [m.id for m in await programmes.milestones_of(conn, long)]
        for pid in ids[1::2]:
            mark = await milestone_marks.mark_done(conn, first, pid, T0)
            assert mark is not None
            await milestone_marks.confirm(conn, mark.id, mark.round, bosses[0], T0)
            await milestone_marks.mark_done(conn, second, pid, T0)
        listed = await people.get_people(conn, bosses)
    return listed


async def test_the_monday_lines_are_the_ones_ringkasan_builds(db: Database) -> None:
    ids, (_, long) = await _history(db, seed=3)
    bosses = await _supervisors(db, ids, long)
    facts: list[dict[str, object]] = []
    compared = 0
    async with db.read() as conn:
        for now in NOWS:
            built = await digest._build_many(conn, bosses, now, [])
            for boss, monday in zip(bosses, built, strict=True):
                shown = await _from_progress(conn, boss, now)
                assert shown is not None
                ringkasan = await digest.supervisor_digest(conn, boss, now)
                assert ringkasan is not None
                assert json.dumps([(n.kind, n.params) for n in ringkasan]) == json.dumps(
                    [(n.kind, n.params) for n in shown]
                )
                if not monday:  # the Monday run sends nothing while nobody owed last week
                    assert not any(line["tally"][0] for line in shown[0].params["lines"])
                    continue
                compared += 1
                assert json.dumps([(n.kind, n.params) for n in monday]) == json.dumps(
                    [(n.kind, n.params) for n in shown]
                )
                facts += shown[0].params["lines"]
        # The history is varied enough to mean something.
        states = {line["week"][0] for line in facts} | {line["last_week"][0] for line in facts}
        assert states >= {"done", "late", "open", "missed", "paused", "not_owed"}
        assert {"missed", "review", "unreachable"} <= {f for x in facts for f in x["flags"]}
        assert any(line["milestones"][0] for line in facts)
        assert any(line["pending"] for line in facts)
        assert any(line["paused_until"] for line in facts)
        # Nothing owed yet: the Monday run sends no digest; /ringkasan still lists them.
        assert await digest._build_many(conn, bosses, NOTHING_DUE, []) == [[], []]
        assert await digest.supervisor_digest(conn, bosses[0], NOTHING_DUE)
    assert compared == len(NOWS) * len(bosses) - 1  # one unit owed nothing the last time
    assert len(facts) > len(NOWS) * len(ids)  # two programmes for some, at each instant


async def test_the_monday_run_in_batches_queues_each_digest_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch a supervisor: each batch is recorded and queued while the next is built,
    and every supervisor gets their own digest, the one built for them, once."""
    ids, (_, long) = await _history(db, seed=3)
    bosses = await _supervisors(db, ids, long)
    now = NOWS[0]  # Monday 07:31 WIB: both supervisors' digests are due
    async with db.read() as conn:
        expected = await digest._build_many(conn, bosses, now, [])
    monkeypatch.setattr(digest, "BATCH", 1)
    svc = Services(db=db, clock=FixedClock(now))
    assert await digest.weekly(svc) == len(bosses)
    o = outbox_table.c
    async with db.read() as conn:
        rows = (await conn.execute(select(o.chat_id, o.kind, o.params).order_by(o.id))).all()
    queued = {(chat, kind): params for chat, kind, params in rows}
    assert len(queued) == len(rows) == 2 * len(bosses)  # a digest and its chart each
    for boss, (written, chart) in zip(bosses, expected, strict=True):
        assert isinstance(written, digest.Written)
        assert isinstance(chart, Notice)
        assert queued[(boss.telegram_id, "digest.supervisor")] == json.loads(written.text)
        assert queued[(boss.telegram_id, "digest.chart")] == chart.params
    assert await digest.weekly(svc) == 0  # recorded: not again


def test_bit_sliced_columns_count_each_week() -> None:
    """The chart's per-week counts, summed bit-sliced, are a plain count of each week."""
    for seed in range(20):
        rng = random.Random(seed)
        masks = [(rng.getrandbits(70), rng.randrange(1, 40)) for _ in range(rng.randrange(300))]
        columns = digest_lines._Columns()
        for bits, times in masks:
            columns.add(bits, times)
        plain = {i: sum(n for bits, n in masks if bits >> i & 1) for i in range(70)}
        assert columns.counts() == {i: n for i, n in plain.items() if n}


async def test_around_new_year_each_zone_counts_its_own_year(db: Database) -> None:
    """23:30 on New Year's Eve in WIB is already New Year's Day in WITA and WIT: each
    line counts JP in its own zone's year (the statement then joins both years)."""
    now = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert digest_lines.years_now(now) == (2026, 2027)
    ids, (_, long) = await _history(db, seed=3)
    bosses = await _supervisors(db, ids, long)
    async with db.read() as conn:
        lines = []
        for boss in bosses:
            shown = await _from_progress(conn, boss, now)
            ringkasan = await digest.supervisor_digest(conn, boss, now)
            assert shown is not None
            assert ringkasan is not None
            assert json.dumps([(n.kind, n.params) for n in ringkasan]) == json.dumps(
                [(n.kind, n.params) for n in shown]
            )
            lines += shown[0].params["lines"]
    assert any(line["jp"] for line in lines)
