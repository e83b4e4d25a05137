"""Nudges already sent: each kind once per period, and at most one a day per person."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.portable import insert_many_new
from storage.schema import nudges, people, programme_members, reflections

NOT_A_NUDGE = ("digest",)  # recorded for once-only, but a digest is no reminder


RETENTION = timedelta(days=60)  # far beyond any catch-up window (three days at most)


async def forget_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop records of nudges older than any window that could ask about them."""
    result = await conn.execute(delete(nudges).where(nudges.c.created_at < cutoff))
    return result.rowcount


async def not_yet(conn: AsyncConnection, wanted: list[tuple[int, str, str, date]]) -> list[int]:
    """Of ``wanted`` (person, kind, period, their local date), the indexes still free to
    send: no nudge for that person that day, not that nudge before, first per person."""
    ids = sorted({person_id for person_id, _, _, _ in wanted})
    if not ids:
        return []
    days = sorted({day for _, _, _, day in wanted})
    nudged = {
        (person_id, day)
        for person_id, day in await conn.execute(
            select(nudges.c.person_id, nudges.c.local_date).where(
                nudges.c.person_id.in_(ids),
                nudges.c.local_date.in_(days),
                nudges.c.kind.not_in(NOT_A_NUDGE),
            )
        )
    }
    done = {
        (person_id, kind, period)
        for person_id, kind, period in await conn.execute(
            select(nudges.c.person_id, nudges.c.kind, nudges.c.period).where(
                nudges.c.person_id.in_(ids),
                nudges.c.period.in_(sorted({period for _, _, period, _ in wanted})),
            )
        )
    }
    free, taken = [], set()
    for index, (person_id, kind, period, day) in enumerate(wanted):
        if person_id in taken or (person_id, day) in nudged or (person_id, kind, period) in done:
            continue
        taken.add(person_id)
        free.append(index)
    return free


async def record_many(
    conn: AsyncConnection, rows: list[dict[str, object]]
) -> set[tuple[int, str, str]]:
    """Record nudges (person_id, kind, period, local_date, created_at) in one statement;
    returns the (person, kind, period) recorded. One that was sent before, or a second
    nudge that day (``uq_nudges_daily``: another process may have recorded one since
    :func:`not_yet` looked), is skipped: that person was already nudged."""
    recorded = await insert_many_new(conn, nudges, rows, ["person_id", "kind", "period"])
    return {(int(person_id), kind, period) for person_id, kind, period in recorded}


async def recorded(conn: AsyncConnection, kind: str, periods: set[str]) -> set[tuple[int, str]]:
    """(person, period) pairs already recorded for ``kind`` in these periods."""
    if not periods:
        return set()
    rows = await conn.execute(
        select(nudges.c.person_id, nudges.c.period).where(
            nudges.c.kind == kind, nudges.c.period.in_(sorted(periods))
        )
    )
    return {(person_id, period) for person_id, period in rows}


async def record(
    conn: AsyncConnection,
    *,
    person_id: int,
    kind: str,
    period: str,
    local_date: date,
    now: datetime,
) -> bool:
    """Record a nudge; False if that kind was already sent for that period (or, for a
    nudge that is no digest, another was recorded for that day)."""
    row = {
        "person_id": person_id,
        "kind": kind,
        "period": period,
        "local_date": local_date,
        "created_at": now,
    }
    return bool(await insert_many_new(conn, nudges, [row], ["id"]))


async def candidates(
    conn: AsyncConnection,
    *,
    programme_id: int,
    zone: str,
    now: datetime,
    today: date,
    kind: str,
    period: str,
    unreflected_week: date | None = None,
) -> list[int]:
    """Mentees of a programme in ``zone`` who may get the nudge ``kind``/``period`` now.

    One query, whatever the number of mentees: bound to Telegram, reachable, not paused,
    no nudge yet today, not this nudge before, and (``unreflected_week``) no reflection
    past draft for that week. The minute tick asks this instead of looking at everyone.
    """
    p, m, r = people.c, programme_members.c, reflections.c
    nudged = select(nudges.c.id).where(
        nudges.c.person_id == p.id,
        ((nudges.c.local_date == today) & nudges.c.kind.not_in(NOT_A_NUDGE))
        | ((nudges.c.kind == kind) & (nudges.c.period == period)),
    )
    query = (
        select(p.id)
        .join(programme_members, m.person_id == p.id)
        .where(
            m.programme_id == programme_id,
            m.role == "mentee",
            p.timezone == zone,
            p.telegram_id.is_not(None),
            p.status == "active",
            or_(p.nudges_paused_until.is_(None), p.nudges_paused_until <= now),
            ~nudged.exists(),
        )
        .order_by(p.id)
    )
    if unreflected_week is not None:
        reflected = select(r.id).where(
            r.programme_id == programme_id,
            r.person_id == p.id,
            r.week_start == unreflected_week,
            r.status != "draft",
        )
        query = query.where(~reflected.exists())
    return [int(person_id) for (person_id,) in await conn.execute(query)]
