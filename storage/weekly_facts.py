"""Progress facts kept up to date as reflections and sessions are written.

A province's Monday digest used to read a year of reflections (5.2 million rows for
100 000 mentees) to learn which weeks each mentee reflected. Here the same facts are kept
small, in the writer's own transaction:

- ``weekly_facts``: per mentee, programme and block of 60 weeks, a bit per week reflected
  (submitted, sent back for revision or approved) and a bit per such week sent late;
- ``yearly_facts``: per person and year, approved reflection minutes (by the week's
  year), confirmed session minutes and the latest confirmed session (by the day held).

Every change is one atomic statement on the facts row (a bit set to the reflection's new
state, ``n = n + minutes``), never a value read into Python and written back, so
several processes on PostgreSQL keep them right. ``storage.reflections.set_state`` and
``storage.sessions.confirm`` are the only writers of what they count; ``rebuild`` makes
them from history (migration 0021 does the same in SQL, the province bench after seeding).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, null, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Milestone, Programme
from storage.programmes import to_programme
from storage.progress_facts import Who, among, chunk_ids
from storage.rows import labelled, picked
from storage.schema import (
    milestone_marks,
    milestones,
    people,
    programme_members,
    programmes,
    reflections,
    weekly_facts,
    yearly_facts,
)

EPOCH = date(1970, 1, 5)  # a Monday: week 0
BLOCK = 60  # weeks a row: bits well inside a signed 64-bit integer on both back ends
FULL = (1 << BLOCK) - 1
REFLECTED = ("submitted", "revision", "approved")  # as bot.flows.progress.REFLECTED
CHUNK = 2000  # ids per IN (...): a digest batch of 20 supervisors in one statement


def week_index(week: date) -> int:
    return (week - EPOCH).days // 7


@lru_cache(maxsize=1024)
def weeks_of(block: int, bits: int) -> frozenset[date]:
    """The Mondays whose bits are set in ``block`` (cached: whole programmes' cohorts
    share the same patterns, a full streak above all)."""
    table = _byte_weeks(block)
    return frozenset(
        week
        for position in range(0, BLOCK, 8)
        if (byte := (bits >> position) & 0xFF)
        for week in table[position // 8][byte]
    )


@lru_cache(maxsize=64)
def _byte_weeks(block: int) -> tuple[tuple[tuple[date, ...], ...], ...]:
    """For each byte of a block's bits and each value of it, the Mondays it sets: a
    digest turns 100 000 rows of bits into weeks eight weeks a step, not one."""
    first = EPOCH + timedelta(weeks=block * BLOCK)
    return tuple(
        tuple(
            tuple(
                first + timedelta(weeks=position + bit)
                for bit in range(8)
                if value >> bit & 1 and position + bit < BLOCK
            )
            for value in range(256)
        )
        for position in range(0, BLOCK, 8)
    )


def _insert(conn: AsyncConnection, table: Any) -> Any:
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


async def reflection_changed(
    conn: AsyncConnection,
    *,
    programme_id: int,
    person_id: int,
    week_start: date,
    status: str,
    late: bool,
    was_approved: bool,
    minutes: int | None,
) -> None:
    """Set the week's bits to the reflection's new state (and count its minutes once,
    when it is approved): called in the transaction that changed it."""
    index = week_index(week_start)
    block, bit = index // BLOCK, 1 << (index % BLOCK)
    reflected = bit if status in REFLECTED else 0
    late_bit = bit if reflected and late else 0
    stmt = _insert(conn, weekly_facts).values(
        person_id=person_id,
        programme_id=programme_id,
        block=block,
        reflected=reflected,
        late=late_bit,
    )
    keep = FULL ^ bit
    f = weekly_facts.c
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["person_id", "programme_id", "block"],
            set_={
                "reflected": f.reflected.op("&")(keep).op("|")(reflected),
                "late": f.late.op("&")(keep).op("|")(late_bit),
            },
        )
    )
    if minutes and (status == "approved") != was_approved:
        change = minutes if status == "approved" else -minutes
        await _add_year(conn, person_id, week_start.year, approved=change)


async def session_confirmed(
    conn: AsyncConnection, *, mentee_id: int, held_on: date, minutes: int
) -> None:
    """A confirmed session counts its minutes and may be the mentee's latest."""
    await _add_year(conn, mentee_id, held_on.year, held=minutes, held_on=held_on)


async def _add_year(
    conn: AsyncConnection,
    person_id: int,
    year: int,
    *,
    approved: int = 0,
    held: int = 0,
    held_on: date | None = None,
) -> None:
    y = yearly_facts.c
    stmt = _insert(conn, yearly_facts).values(
        person_id=person_id,
        year=year,
        approved_minutes=approved,
        session_minutes=held,
        last_session=held_on,
    )
    changes: dict[str, Any] = {
        "approved_minutes": y.approved_minutes + approved,
        "session_minutes": y.session_minutes + held,
    }
    if held_on is not None:
        changes["last_session"] = case(
            (y.last_session.is_(None) | (y.last_session < held_on), held_on),
            else_=y.last_session,
        )
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["person_id", "year"], set_=changes)
    )


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


@dataclass(frozen=True, slots=True)
class Weeks:
    """One mentee's weeks in one programme: reflected, and reflected late."""

    done: frozenset[date]
    late: frozenset[date]


NO_WEEKS = Weeks(frozenset(), frozenset())


@dataclass(frozen=True, slots=True)
class Taken:
    """One mentee in one programme, with the facts their figures are computed from."""

    person_id: int
    programme: Programme
    weeks: Weeks
    minutes: tuple[int, int]  # counted in each of the two years asked for
    pending: int  # reflections waiting for review
    oldest_waiting: datetime | None  # the earliest submission among those (if it has one)
    milestones: tuple[Milestone, ...]  # the programme's, in position order
    states: dict[int, str]  # milestone id -> "open", "done" (waiting) or "confirmed"


def _taken_query() -> Select[Any]:
    """Each membership as a mentee of the people ``:ids`` with its programme, its week bits
    (a row per block of 60 weeks), the minutes counted in the years ``:first_year`` and
    ``:last_year``, the reflections waiting for review and the programme's milestones with
    their states (a row per milestone): what ``programmes.list_programmes``,
    ``progress_facts.programmes_of_many``, a read each of week bits, years, waiting
    reflections and marks, and a read of milestones per programme were, in one statement.
    (Blocks times milestones rows: a programme spans one or two blocks.)"""
    m, f, r = programme_members.c, weekly_facts.c, reflections.c
    ms, k = milestones.c, milestone_marks.c
    first = yearly_facts.alias("first_year")
    last = yearly_facts.alias("last_year")
    waiting = and_(
        r.status == "submitted", r.person_id == m.person_id, r.programme_id == m.programme_id
    )
    joined = (
        programme_members.join(programmes, programmes.c.id == m.programme_id)
        .outerjoin(
            weekly_facts, and_(f.person_id == m.person_id, f.programme_id == m.programme_id)
        )
        .outerjoin(
            first,
            and_(first.c.person_id == m.person_id, first.c.year == bindparam("first_year")),
        )
        .outerjoin(
            last, and_(last.c.person_id == m.person_id, last.c.year == bindparam("last_year"))
        )
        .outerjoin(milestones, ms.programme_id == m.programme_id)
        .outerjoin(milestone_marks, and_(k.milestone_id == ms.id, k.person_id == m.person_id))
    )
    state = case(  # MilestoneMark.state's rule
        (k.confirmed_at.is_not(None), "confirmed"), (k.done_at.is_not(None), "done"), else_="open"
    )
    return (
        select(
            m.person_id,
            *labelled(programmes, "p_"),
            f.block,
            f.reflected,
            f.late,
            (first.c.approved_minutes + first.c.session_minutes).label("minutes_first"),
            (last.c.approved_minutes + last.c.session_minutes).label("minutes_last"),
            select(func.count()).where(waiting).scalar_subquery().label("pending"),
            select(func.min(r.submitted_at)).where(waiting).scalar_subquery().label("oldest"),
            *labelled(milestones, "m_"),
            state.label("state"),
        )
        .select_from(joined)
        .where(m.person_id.in_(chunk_ids()), m.role == "mentee")
        .order_by(m.person_id, programmes.c.starts_on, programmes.c.id, ms.position, ms.id)
    )


# Built once: a mentee's /progres (and the reply probe beside the Monday digest) runs it,
# and building it and its cache key anew cost more CPU than the database spent on it.
_TAKEN = _taken_query()


async def taken(
    conn: AsyncConnection, person_ids: Sequence[int], years: tuple[int, int]
) -> dict[int, list[Taken]]:
    """person id -> their programmes as a mentee (start, id order) with their facts, the
    minutes counted in each of ``years``: one statement per 2 000 people."""
    found: dict[int, list[Taken]] = {}
    every: dict[int, Programme] = {}
    listed: dict[int, Milestone] = {}
    params: dict[str, Any] = {"first_year": years[0], "last_year": years[1]}
    for chunk in _chunks(person_ids):
        rows = (await conn.execute(_TAKEN, {**params, "ids": chunk})).mappings().all()
        for (person_id, programme_id), group in groupby(rows, _membership):
            theirs = list(group)  # a row per block and milestone
            head = theirs[0]
            if programme_id not in every:
                every[programme_id] = to_programme(picked(head, programmes, "p_"))
            blocks = {
                r["block"]: (r["reflected"], r["late"]) for r in theirs if r["block"] is not None
            }
            states: dict[int, str] = {}
            for row in theirs:
                milestone_id = row["m_id"]
                if milestone_id is None or milestone_id in states:
                    continue
                if milestone_id not in listed:
                    listed[milestone_id] = Milestone(**picked(row, milestones, "m_"))
                states[milestone_id] = row["state"]
            found.setdefault(person_id, []).append(
                Taken(
                    person_id,
                    every[programme_id],
                    _weeks(blocks),
                    (int(head["minutes_first"] or 0), int(head["minutes_last"] or 0)),
                    int(head["pending"]),
                    head["oldest"],
                    tuple(listed[m] for m in states),  # position order, as read
                    states,
                )
            )
    return found


def _membership(row: Any) -> tuple[int, int]:
    return row["person_id"], row["p_id"]


def _weeks(blocks: dict[int, tuple[int, int]]) -> Weeks:
    """The weeks reflected (and late) of a membership's rows of bits."""
    if not blocks:
        return NO_WEEKS
    done: frozenset[date] = frozenset()
    late: frozenset[date] = frozenset()
    for block, (bits, late_bits) in blocks.items():
        done |= weeks_of(block, bits)
        late |= weeks_of(block, late_bits)
    return Weeks(done, late)


_LAST_SESSIONS = (
    select(yearly_facts.c.person_id, func.max(yearly_facts.c.last_session))
    .where(yearly_facts.c.person_id.in_(chunk_ids()))
    .group_by(yearly_facts.c.person_id)
)


async def last_sessions(conn: AsyncConnection, person_ids: Sequence[int]) -> dict[int, date]:
    """person id -> the day of their latest confirmed session (from the yearly facts)."""
    found: dict[int, date] = {}
    for chunk in _chunks(person_ids):
        rows = await conn.execute(_LAST_SESSIONS, {"ids": chunk})
        found.update({person_id: held for person_id, held in rows if held is not None})
    return found


# (person, name, unit, zone, status, paused until, supervisor, programme, minutes counted
# in the first year, in the last, latest confirmed session), then (reflected, late) bits
# of each block asked for, then the programme's first day (ISO text, for the order).
SupervisedRow = list[Any]
SUPERVISED_FIXED = 11  # columns before the blocks' bits
_PAUSED, _HELD = 5, 10
_ORDER = itemgetter(0, -1, 7)  # person, programme start, programme


def supervised_people(supervisor_ids: Sequence[int]) -> Select[tuple[int]]:
    """The ids of the people these supervise, as a sub-select (a digest batch's people)."""
    return select(people.c.id).where(people.c.supervisor_id.in_(list(supervisor_ids)))


@lru_cache(maxsize=8)
def _supervised_statement(years: tuple[int, int], blocks: range, dialect: str) -> Select[Any]:
    """:func:`supervised`'s statement, built once for its years, blocks and back end: a
    Monday run's forty batches share it, so its aliases, joins and cache key are made
    once, not for every batch (a tenth of the reading's Python)."""
    p, m, pr = people.c, programme_members.c, programmes.c
    first = yearly_facts.alias("first_year")
    latest = yearly_facts.alias("latest")
    joined = (
        people.join(programme_members, m.person_id == p.id)
        .join(programmes, pr.id == m.programme_id)
        .outerjoin(first, and_(first.c.person_id == p.id, first.c.year == years[0]))
    )
    minutes_last: Any = null()
    if years[1] != years[0]:  # New Year somewhere: a second look (a statement of its own)
        last = yearly_facts.alias("last_year")
        joined = joined.outerjoin(last, and_(last.c.person_id == p.id, last.c.year == years[1]))
        minutes_last = last.c.approved_minutes + last.c.session_minutes
    bits: list[Any] = []
    for number, block in enumerate(blocks):
        f = weekly_facts.alias(f"block_{number}")
        joined = joined.outerjoin(
            f,
            and_(
                f.c.person_id == m.person_id,
                f.c.programme_id == m.programme_id,
                f.c.block == block,
            ),
        )
        bits += [f.c.reflected, f.c.late]
    columns = [
        p.id,
        p.name,
        p.unit,
        p.timezone,
        p.status,
        p.nudges_paused_until,
        p.supervisor_id,
        m.programme_id,
        first.c.approved_minutes + first.c.session_minutes,
        minutes_last,
        select(func.max(latest.c.last_session))
        .where(latest.c.person_id == p.id)
        .scalar_subquery(),
        *bits,
        pr.starts_on,
    ]
    # Every row packed into one JSON array by the database (see ``supervised``).
    pack, array = (
        (func.json_agg, func.json_build_array)
        if dialect == "postgresql"
        else (func.json_group_array, func.json_array)
    )
    return (
        select(pack(array(*columns)))
        .select_from(joined)
        .where(p.supervisor_id.in_(chunk_ids()), m.role == "mentee", pr.status == "active")
    )


async def supervised(
    conn: AsyncConnection,
    supervisor_ids: Sequence[int],
    years: tuple[int, int],
    blocks: range,
) -> list[SupervisedRow]:
    """For the people these supervise, each of their memberships as a mentee of an active
    programme, in one statement, a row each (``SupervisedRow``), by person, then
    programme (start, id): the order of a supervisor's digest lines.

    ``years`` are the first and the last calendar year it is anywhere at the moment (one
    year but around New Year: each person's own is one of them); ``blocks`` the blocks of
    60 weeks whose bits are wanted (None where nothing was reflected), each joined on its
    own: a row per block was twice the rows, and the yearly figures were a statement and
    a dict of their own, a third of the reading.

    The Monday run reads 100 000 such rows. The database hands them over as one JSON
    array (``json_group_array`` / ``json_agg``) made in one step of its own, in C, rather
    than row by row: SQLite's module takes Python's lock for every row it hands over,
    which held the event loop up while the rows of a batch were read, and SQLAlchemy made
    a row object of each (together 0.3 s of a province's Monday). ``json.loads`` turns
    the array into lists at C speed; only the pauses and sessions set (few) are parsed.
    """
    statement = _supervised_statement(years, blocks, conn.dialect.name)
    found: list[SupervisedRow] = []
    for chunk in _chunks(supervisor_ids):
        packed = (await conn.execute(statement, {"ids": chunk})).scalar()
        if isinstance(packed, str):  # SQLite's text; asyncpg decodes PostgreSQL's json
            packed = json.loads(packed)
        found += packed or []  # PostgreSQL: NULL when no row
    found.sort(key=_ORDER)
    for row in found:
        if row[_PAUSED] is not None:
            row[_PAUSED] = datetime.fromisoformat(row[_PAUSED]).replace(tzinfo=UTC)
        if row[_HELD] is not None:
            row[_HELD] = date.fromisoformat(row[_HELD])
    return found


async def waiting(conn: AsyncConnection, who: Who) -> dict[tuple[int, int], list[datetime | None]]:
    """(person, programme) -> submission times of reflections waiting for review (few,
    read through ``ix_reflections_waiting``)."""
    found: dict[tuple[int, int], list[datetime | None]] = {}
    r = reflections.c
    for chosen, params in among(r.person_id, who):
        rows = await conn.execute(
            select(r.person_id, r.programme_id, r.submitted_at).where(
                r.status == "submitted", chosen
            ),
            params,
        )
        for person_id, programme_id, submitted_at in rows:
            found.setdefault((person_id, programme_id), []).append(submitted_at)
    return found


async def active_zones(conn: AsyncConnection) -> list[str]:
    """The zones of mentees in active programmes (none: nobody to count)."""
    m, p = programme_members.c, people.c
    rows = await conn.execute(
        select(p.timezone)
        .distinct()
        .select_from(
            programme_members.join(people, p.id == m.person_id).join(
                programmes, programmes.c.id == m.programme_id
            )
        )
        .where(m.role == "mentee", programmes.c.status == "active")
    )
    return sorted(zone for (zone,) in rows)


async def week_tally(
    conn: AsyncConnection, week: date, zones: Sequence[str]
) -> list[tuple[str | None, int, str, int, int]]:
    """(unit, programme, zone, mentees, of them reflected ``week``) for mentees of active
    programmes living in ``zones``: the coordinator's per-unit rates counted by the
    database from the week bits, not a row per mentee into Python."""
    index = week_index(week)
    block, bit = index // BLOCK, 1 << (index % BLOCK)
    m, p, f = programme_members.c, people.c, weekly_facts.c
    reflected = case((func.coalesce(f.reflected, 0).op("&")(bit) != 0, 1), else_=0)
    rows = await conn.execute(
        select(p.unit, m.programme_id, p.timezone, func.count(), func.sum(reflected))
        .select_from(
            programme_members.join(people, p.id == m.person_id)
            .join(programmes, programmes.c.id == m.programme_id)
            .outerjoin(
                weekly_facts,
                and_(
                    f.person_id == m.person_id,
                    f.programme_id == m.programme_id,
                    f.block == block,
                ),
            )
        )
        .where(m.role == "mentee", programmes.c.status == "active", p.timezone.in_(zones))
        .group_by(p.unit, m.programme_id, p.timezone)
    )
    return [(unit, pid, zone, int(n), int(done or 0)) for unit, pid, zone, n, done in rows]


def rebuild_sql(dialect: str) -> list[str]:
    """Statements that make both facts tables from history (the migration's backfill)."""
    if dialect == "postgresql":
        index = "((r.week_start - DATE '1970-01-05') / 7)"
        year_of = "CAST(EXTRACT(YEAR FROM {}) AS INTEGER)"
        no_day = "CAST(NULL AS DATE)"
    else:
        index = "(CAST(julianday(r.week_start) - julianday('1970-01-05') AS INTEGER) / 7)"
        year_of = "CAST(strftime('%Y', {}) AS INTEGER)"
        no_day = "NULL"
    # Weeks before 1970 do not occur: integer division then floors like Python's.
    block, bit = f"({index} / {BLOCK})", f"(CAST(1 AS BIGINT) << ({index} % {BLOCK}))"
    reflected = "r.status IN ('submitted', 'revision', 'approved')"
    return [
        "DELETE FROM weekly_facts",
        "DELETE FROM yearly_facts",
        f"""INSERT INTO weekly_facts (person_id, programme_id, block, reflected, late)
            SELECT r.person_id, r.programme_id, {block},
                   SUM(CASE WHEN {reflected} THEN {bit} ELSE 0 END),
                   SUM(CASE WHEN {reflected} AND r.late THEN {bit} ELSE 0 END)
            FROM reflections r
            WHERE {reflected}
            GROUP BY r.person_id, r.programme_id, {block}""",  # noqa: S608 (constants only)
        f"""INSERT INTO yearly_facts
                (person_id, year, approved_minutes, session_minutes, last_session)
            SELECT person_id, year, SUM(approved), SUM(held), MAX(held_on) FROM (
                SELECT r.person_id AS person_id, {year_of.format("r.week_start")} AS year,
                       COALESCE(r.minutes, 0) AS approved, 0 AS held, {no_day} AS held_on
                FROM reflections r
                WHERE r.status = 'approved' AND COALESCE(r.minutes, 0) <> 0
                UNION ALL
                SELECT s.mentee_id, {year_of.format("s.held_on")}, 0, s.minutes, s.held_on
                FROM mentoring_sessions s WHERE s.confirmed_at IS NOT NULL
            ) AS counted
            GROUP BY person_id, year""",  # noqa: S608 (constants only)
    ]


async def rebuild(conn: AsyncConnection) -> None:
    """Both facts tables from history, in the caller's write transaction."""
    for statement in rebuild_sql(conn.dialect.name):
        await conn.execute(text(statement))
