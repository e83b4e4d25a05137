"""Join requests filed by people who are not on the roster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import JoinRequest
from storage.rows import Row, inserted_id
from storage.schema import join_requests

PENDING = "pending"


def _to_request(row: Row) -> JoinRequest:
    return JoinRequest(**{k: row[k] for k in JoinRequest.__slots__})  # type: ignore[attr-defined]


async def create_request(
    conn: AsyncConnection,
    *,
    telegram_id: int,
    nip: str,
    name: str,
    unit: str,
    language: str,
    now: datetime,
) -> JoinRequest:
    result = await conn.execute(
        insert(join_requests).values(
            telegram_id=telegram_id,
            nip=nip,
            name=name,
            unit=unit,
            language=language,
            status=PENDING,
            created_at=now,
        )
    )
    found = await get_request(conn, inserted_id(result))
    assert found is not None
    return found


async def get_request(
    conn: AsyncConnection, request_id: int, *, lock: bool = False
) -> JoinRequest | None:
    """A request; ``lock`` holds its row (``FOR UPDATE``) until the write transaction
    ends, so a coordinator deciding it in another process waits, then sees the decision."""
    query = select(join_requests).where(join_requests.c.id == request_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).mappings().first()
    return _to_request(row) if row else None


async def pending_for_telegram(conn: AsyncConnection, telegram_id: int) -> JoinRequest | None:
    row = (
        (
            await conn.execute(
                select(join_requests).where(
                    join_requests.c.telegram_id == telegram_id,
                    join_requests.c.status == PENDING,
                )
            )
        )
        .mappings()
        .first()
    )
    return _to_request(row) if row else None


async def pending_requests(conn: AsyncConnection) -> list[JoinRequest]:
    rows = await conn.execute(
        select(join_requests)
        .where(join_requests.c.status == PENDING)
        .order_by(join_requests.c.created_at, join_requests.c.id)
    )
    return [_to_request(r) for r in rows.mappings()]


async def decide(
    conn: AsyncConnection,
    request_id: int,
    *,
    status: str,
    decided_by: int,
    now: datetime,
    person_id: int | None = None,
) -> bool:
    """Record a decision; False if the request was already decided (first one wins)."""
    result = await conn.execute(
        update(join_requests)
        .where(join_requests.c.id == request_id, join_requests.c.status == PENDING)
        .values(
            status=status, decided_by_telegram_id=decided_by, decided_at=now, person_id=person_id
        )
    )
    return result.rowcount == 1
