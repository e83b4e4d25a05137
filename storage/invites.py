"""Invite codes: single-use, expiring, one person each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Invite
from storage.rows import Row, inserted_id
from storage.schema import invites


def _to_invite(row: Row) -> Invite:
    return Invite(
        id=row["id"],
        code=row["code"],
        person_id=row["person_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        used_by_telegram_id=row["used_by_telegram_id"],
    )


async def create_invite(
    conn: AsyncConnection, *, code: str, person_id: int, now: datetime, expires_at: datetime
) -> Invite:
    result = await conn.execute(
        insert(invites).values(
            code=code, person_id=person_id, created_at=now, expires_at=expires_at
        )
    )
    return Invite(
        id=inserted_id(result),
        code=code,
        person_id=person_id,
        created_at=now,
        expires_at=expires_at,
        used_at=None,
        used_by_telegram_id=None,
    )


async def get_invite(conn: AsyncConnection, code: str) -> Invite | None:
    row = (await conn.execute(select(invites).where(invites.c.code == code))).mappings().first()
    return _to_invite(row) if row else None


async def open_invite_for(conn: AsyncConnection, person_id: int, now: datetime) -> Invite | None:
    """The newest unused, unexpired invite of a person, if any."""
    row = (
        (
            await conn.execute(
                select(invites)
                .where(
                    invites.c.person_id == person_id,
                    invites.c.used_at.is_(None),
                    invites.c.expires_at > now,
                )
                .order_by(invites.c.id.desc())
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return _to_invite(row) if row else None


async def has_unused_invite(conn: AsyncConnection, person_id: int) -> bool:
    """Whether this person was ever invited and has not used it (expired ones count: the
    person was on the roster and invited, and never came)."""
    row = await conn.execute(
        select(invites.c.id)
        .where(invites.c.person_id == person_id, invites.c.used_at.is_(None))
        .limit(1)
    )
    return row.first() is not None


async def mark_used(
    conn: AsyncConnection, invite_id: int, telegram_id: int, now: datetime
) -> bool:
    """Use an invite; False if someone used it first (the update is guarded)."""
    result = await conn.execute(
        update(invites)
        .where(invites.c.id == invite_id, invites.c.used_at.is_(None))
        .values(used_at=now, used_by_telegram_id=telegram_id)
    )
    return result.rowcount == 1


async def revoke_open_invites(conn: AsyncConnection, person_id: int, now: datetime) -> None:
    """Expire every unused invite of a person (when a new one replaces them)."""
    await conn.execute(
        update(invites)
        .where(invites.c.person_id == person_id, invites.c.used_at.is_(None))
        .values(expires_at=now)
    )
