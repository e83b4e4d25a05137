"""Nudges already sent: each kind once per period, and at most one a day per person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, cast, delete, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.portable import id_table, insert_many_new, insert_new_from_select
from storage.schema import (
    NUDGE_COUNTS,
    REFLECTION_SENT,
    nudges,
    outbox,
    people,
    programme_members,
    reflections,
)

OUTBOX_PENDING = "pending"  # storage.outbox.PENDING (that module is the sender's)

_JSON_NULL = literal(None, JSON)  # binds JSON null, what a JSON column stores for Python None

RETENTION = timedelta(days=60)  # far beyond any catch-up window (three days at most)


async def forget_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop records of nudges older than any window that could ask about them."""
    result = await conn.execute(delete(nudges).where(nudges.c.created_at < cutoff))
    return result.rowcount


async def record_many(
    conn: AsyncConnection, rows: list[dict[str, object]]
) -> set[tuple[int, str, str]]:
    """Record nudges (person_id, kind, period, local_date, created_at) in one statement;
    returns the (person, kind, period) recorded. One that was sent before, or a second
    nudge that day (``uq_nudges_daily``: another process may have recorded one since
    the tick's read looked), is skipped: that person was already nudged."""
    recorded = await insert_many_new(conn, nudges, rows, ["person_id", "kind", "period"])
    return {(int(person_id), kind, period) for person_id, kind, period in recorded}


def dedup_key(person_id: int, kind: str, period: str) -> str:
    """The outbox key of a nudge: each nudge is queued once (:func:`queue_each` builds the
    same text in SQL)."""
    return f"nudge:{person_id}:{kind}:{period}"


async def record_each(
    conn: AsyncConnection,
    person_ids: Sequence[int],
    *,
    kind: str,
    period: str,
    local_date: date,
    now: datetime,
) -> set[int]:
    """Record the nudge ``kind``/``period`` for each person, in one ``INSERT ... SELECT``
    with the ids as one parameter (:func:`storage.portable.id_table`; a province's
    Friday is tens of thousands, and no row is built in Python); returns who was
    recorded (someone erased since the scan is left out). Like :func:`record_many`, the
    unique indexes skip whoever had this nudge or another one that day, recorded by
    anyone, even by this same statement."""
    if not person_ids:
        return set()
    n, p = nudges.c, people.c
    ids = id_table(conn, person_ids)
    rows = select(
        p.id,
        literal(kind, n.kind.type),
        literal(period, n.period.type),
        literal(local_date, n.local_date.type),
        literal(now, n.created_at.type),
    )
    # In person order, whatever order the batch came in: two processes recording
    # overlapping people on PostgreSQL then wait for each other in one direction only (a
    # second waits for the first's commit, then skips), never in a cycle (a deadlock).
    rows = rows.select_from(ids.join(people, p.id == ids.c.value)).order_by(p.id)
    columns = ["person_id", "kind", "period", "local_date", "created_at"]
    recorded = await insert_new_from_select(conn, nudges, columns, rows, ["person_id"])
    return {int(person_id) for (person_id,) in recorded}


async def queue_each(
    conn: AsyncConnection,
    person_ids: Sequence[int],
    *,
    kind: str,
    period: str,
    notice: str,
    params: dict[str, Any],
    at: datetime,
    now: datetime,
) -> None:
    """Queue the notice of a recorded nudge to each person's chat, all planned for ``at``,
    in one ``INSERT ... SELECT``: the key (:func:`dedup_key`), the chat (the person's
    Telegram id now; someone unbound since the scan gets nothing) and the same parameters
    for all, encoded once. ``reply_markup`` and ``media_data`` are JSON ``null`` like a
    row queued by :func:`storage.outbox.enqueue_many`, not SQL ``NULL``."""
    if not person_ids:
        return
    p, o = people.c, outbox.c
    ids = id_table(conn, person_ids)
    key = literal("nudge:", String) + cast(p.id, String) + literal(f":{kind}:{period}", String)
    rows = (
        select(
            key,
            p.telegram_id,
            p.id,
            literal("", o.text.type),
            literal(notice, o.kind.type),
            literal(params, o.params.type),
            literal(OUTBOX_PENDING, o.status.type),
            literal(at, o.not_before.type),
            literal(now, o.created_at.type),
            _JSON_NULL,
            _JSON_NULL,
        )
        .select_from(ids.join(people, p.id == ids.c.value))
        .where(p.telegram_id.is_not(None))
    )
    columns = [
        "dedup_key",
        "chat_id",
        "person_id",
        "text",
        "kind",
        "params",
        "status",
        "not_before",
        "created_at",
        "reply_markup",
        "media_data",
    ]
    await insert_new_from_select(conn, outbox, columns, rows)


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
    """Mentees of a programme in ``zone`` who may get the nudge ``kind``/``period`` now
    (the ids of :func:`due_chats` for one zone)."""
    found = await due_chats(
        conn,
        programme_id=programme_id,
        zones=[zone],
        now=now,
        today=today,
        kind=kind,
        period=period,
        unreflected_week=unreflected_week,
    )
    return [person_id for person_id, _, _ in found]


async def due_chats(
    conn: AsyncConnection,
    *,
    programme_id: int,
    zones: Sequence[str],
    now: datetime,
    today: date,
    kind: str,
    period: str,
    unreflected_week: date | None = None,
) -> list[tuple[int, int, str]]:
    """(person, Telegram chat, zone) of a programme's mentees in ``zones`` who may get the
    nudge ``kind``/``period`` now, by person id.

    One query for all the zones that share a window, whatever the number of mentees:
    bound to Telegram, reachable, not paused, no nudge yet today, not this nudge before,
    and (``unreflected_week``) no reflection past draft for that week. Each test is shaped
    for an index, because the minute after a province's nudges asks it again and must see
    quickly that everyone was served: the day's nudge through ``uq_nudges_daily`` (the
    same predicate), this nudge through ``uq_nudges_once``, and the week's sent
    reflections as one list from ``ix_reflections_sent`` (0022), not a probe per mentee
    into the reflections' wide rows. Plain tuples: no person objects for a province.
    """
    p, m, n, r = people.c, programme_members.c, nudges.c, reflections.c
    nudged_today = select(literal(1)).where(
        n.person_id == p.id, n.local_date == today, text(f"nudges.{NUDGE_COUNTS}")
    )
    nudged_so = select(literal(1)).where(n.person_id == p.id, n.kind == kind, n.period == period)
    query = (
        select(p.id, p.telegram_id, p.timezone)
        .join(programme_members, m.person_id == p.id)
        .where(
            m.programme_id == programme_id,
            m.role == "mentee",
            p.timezone.in_(list(zones)),
            p.telegram_id.is_not(None),
            p.status == "active",
            or_(p.nudges_paused_until.is_(None), p.nudges_paused_until <= now),
            ~nudged_today.exists(),
            ~nudged_so.exists(),
        )
        .order_by(p.id)
    )
    if unreflected_week is not None:
        sent = select(r.person_id).where(
            r.programme_id == programme_id,
            r.week_start == unreflected_week,
            text(f"reflections.{REFLECTION_SENT}"),
        )
        query = query.where(p.id.not_in(sent))
    return [(int(i), int(chat), zone) for i, chat, zone in await conn.execute(query)]
