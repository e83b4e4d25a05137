"""Mentor–mentee pairings: offered, then active (or declined / expired), then ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Pairing
from storage.portable import insert_many_new
from storage.rows import Row
from storage.schema import pairings

OFFERED, ACTIVE, DECLINED, EXPIRED, ENDED = "offered", "active", "declined", "expired", "ended"
CURRENT = (OFFERED, ACTIVE)


def _to_pairing(row: Row) -> Pairing:
    return Pairing(
        id=row["id"],
        programme_id=row["programme_id"],
        mentor_id=row["mentor_id"],
        mentee_id=row["mentee_id"],
        status=row["status"],
        reason=row["reason"],
        offered_at=row["offered_at"],
        responded_at=row["responded_at"],
        ended_at=row["ended_at"],
        end_requested_by_id=row["end_requested_by_id"],
        end_reason=row["end_reason"],
    )


async def create_pairing(
    conn: AsyncConnection,
    *,
    programme_id: int,
    mentor_id: int,
    mentee_id: int,
    status: str,
    reason: str,
    now: datetime,
    clock_started: bool = True,
) -> Pairing | None:
    """A new pairing; an offer whose mentor cannot be reached yet has no ``offered_at``,
    so its answer window (and expiry) starts only when it reaches them.

    None if the mentee already has a current (offered or active) pairing in the programme:
    ``uq_pairings_current`` refuses a second, also when another process made the first
    after this transaction looked.
    """
    made = await insert_many_new(
        conn,
        pairings,
        [
            {
                "programme_id": programme_id,
                "mentor_id": mentor_id,
                "mentee_id": mentee_id,
                "status": status,
                "reason": reason,
                "offered_at": now if clock_started else None,
                "responded_at": now if status == ACTIVE else None,
                "created_at": now,
            }
        ],
        ["id"],
    )
    if not made:
        return None
    found = await get_pairing(conn, int(made[0][0]))
    assert found is not None
    return found


async def get_pairing(conn: AsyncConnection, pairing_id: int) -> Pairing | None:
    row = (
        (await conn.execute(select(pairings).where(pairings.c.id == pairing_id)))
        .mappings()
        .first()
    )
    return _to_pairing(row) if row else None


def _listing(*where: Any) -> Select[Any]:
    """Pairings matching ``where``, oldest first."""
    return select(pairings).where(*where).order_by(pairings.c.id)


async def _listed(
    conn: AsyncConnection, statement: Select[Any], params: dict[str, Any] | None = None
) -> list[Pairing]:
    rows = await conn.execute(statement, params)
    return [_to_pairing(r) for r in rows.mappings()]


async def _list(conn: AsyncConnection, *where: Any) -> list[Pairing]:
    return await _listed(conn, _listing(*where))


async def current_for_mentee(
    conn: AsyncConnection, programme_id: int, mentee_id: int
) -> Pairing | None:
    """The offered or active pairing of a mentee in a programme, if any."""
    found = await _list(
        conn,
        pairings.c.programme_id == programme_id,
        pairings.c.mentee_id == mentee_id,
        pairings.c.status.in_(CURRENT),
    )
    return found[-1] if found else None


async def of_programme(conn: AsyncConnection, programme_id: int) -> list[Pairing]:
    return await _list(conn, pairings.c.programme_id == programme_id)


# Built once (bound at each call): every /progres asks it, a mentee's too.
_OF_MENTOR = _listing(
    pairings.c.mentor_id == bindparam("mentor_id"),
    pairings.c.status.in_(bindparam("statuses", expanding=True)),
)


async def of_mentor(
    conn: AsyncConnection, mentor_id: int, statuses: tuple[str, ...]
) -> list[Pairing]:
    return await _listed(conn, _OF_MENTOR, {"mentor_id": mentor_id, "statuses": list(statuses)})


async def of_mentee(
    conn: AsyncConnection, mentee_id: int, statuses: tuple[str, ...]
) -> list[Pairing]:
    return await _list(conn, pairings.c.mentee_id == mentee_id, pairings.c.status.in_(statuses))


async def loads(conn: AsyncConnection) -> dict[int, int]:
    """Mentees each mentor carries now (offered or active), across programmes."""
    rows = await conn.execute(
        select(pairings.c.mentor_id, func.count())
        .where(pairings.c.status.in_(CURRENT))
        .group_by(pairings.c.mentor_id)
    )
    return {int(m): int(n) for m, n in rows}


async def history(conn: AsyncConnection) -> frozenset[tuple[int, int]]:
    """Every (mentor, mentee) ever paired or declined: what matching avoids repeating."""
    rows = await conn.execute(select(pairings.c.mentor_id, pairings.c.mentee_id).distinct())
    return frozenset((int(a), int(b)) for a, b in rows)


async def set_status(
    conn: AsyncConnection,
    pairing_id: int,
    *,
    status: str,
    now: datetime,
    expect: tuple[str, ...],
    end_reason: str | None = None,
) -> bool:
    """Move a pairing on; False if it was no longer in one of ``expect`` (a stale button)."""
    values: dict[str, Any] = {"status": status}
    if end_reason is not None:
        values["end_reason"] = end_reason
    if status in (ACTIVE, DECLINED, EXPIRED):
        values["responded_at"] = now
    if status == ENDED:
        values["ended_at"] = now
    result = await conn.execute(
        update(pairings)
        .where(pairings.c.id == pairing_id, pairings.c.status.in_(expect))
        .values(**values)
    )
    return result.rowcount == 1


async def request_end(conn: AsyncConnection, pairing_id: int, person_id: int, reason: str) -> None:
    """A party asks to end, for ``reason``; a coordinator decides."""
    await conn.execute(
        update(pairings)
        .where(pairings.c.id == pairing_id)
        .values(end_requested_by_id=person_id, end_reason=reason)
    )


async def clear_end_request(conn: AsyncConnection, pairing_id: int) -> None:
    """The coordinator keeps the pairing: the request and its reason are dropped."""
    await conn.execute(
        update(pairings)
        .where(pairings.c.id == pairing_id)
        .values(end_requested_by_id=None, end_reason=None)
    )


async def expired_offers(conn: AsyncConnection, now: datetime) -> list[Pairing]:
    """Offers older than their programme's answer window (checked by the caller)."""
    return await _list(conn, pairings.c.status == OFFERED, pairings.c.offered_at < now)


async def waiting_offers(conn: AsyncConnection, mentor_id: int) -> list[Pairing]:
    """Open offers to this mentor that have not reached them yet (no ``offered_at``)."""
    return await _list(
        conn,
        pairings.c.mentor_id == mentor_id,
        pairings.c.status == OFFERED,
        pairings.c.offered_at.is_(None),
    )


async def start_waiting_offers(
    conn: AsyncConnection, mentor_id: int, now: datetime
) -> list[Pairing]:
    """Open offers to this mentor that never reached them: their window starts now."""
    waiting = await waiting_offers(conn, mentor_id)
    if waiting:
        await conn.execute(
            update(pairings)
            .where(pairings.c.id.in_([p.id for p in waiting]))
            .values(offered_at=now)
        )
    return await _list(conn, pairings.c.id.in_([p.id for p in waiting])) if waiting else []
