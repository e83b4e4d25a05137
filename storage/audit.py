"""The audit log of coordinator actions: written with the change, read newest first.

:func:`record` is called inside the *same* write transaction as the change it describes,
so the log can never claim a change that was rolled back, nor miss one that was kept.
:func:`entries` and :func:`count` are the stable read side: the ``/audit`` command and the
programme report page through them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import AuditEntry
from storage.rows import inserted_id
from storage.schema import audit_log, people, programmes

CHAT = "chat"  # done in the Telegram chat by ``actor_person_id`` (or a configured admin)
CLI = "cli"  # done with ``pembina ...`` on the server: no person behind it


async def record(
    conn: AsyncConnection,
    *,
    at: datetime,
    action: str,
    actor_label: str,
    actor_person_id: int | None = None,
    programme_id: int | None = None,
    subject_person_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Add one entry (in the caller's transaction); returns its id."""
    result = await conn.execute(
        insert(audit_log).values(
            at=at,
            actor_person_id=actor_person_id,
            actor_label=actor_label,
            action=action,
            programme_id=programme_id,
            subject_person_id=subject_person_id,
            before=before,
            after=after,
        )
    )
    return inserted_id(result)


async def entries(
    conn: AsyncConnection, programme_id: int | None = None, *, limit: int = 10, offset: int = 0
) -> list[AuditEntry]:
    """Entries newest first (ties by id), ``limit`` from ``offset``; only those about
    ``programme_id`` when given. Names of the actor, the subject and the programme come
    with each entry, so a reader needs no further look-ups."""
    actor = people.alias("actor")
    subject = people.alias("subject")
    a = audit_log.c
    query = (
        select(
            audit_log,
            actor.c.name.label("actor_name"),
            subject.c.name.label("subject_name"),
            programmes.c.name.label("programme_name"),
        )
        .select_from(
            audit_log.outerjoin(actor, actor.c.id == a.actor_person_id)
            .outerjoin(subject, subject.c.id == a.subject_person_id)
            .outerjoin(programmes, programmes.c.id == a.programme_id)
        )
        .order_by(a.at.desc(), a.id.desc())
        .limit(max(limit, 0))
        .offset(max(offset, 0))
    )
    if programme_id is not None:
        query = query.where(a.programme_id == programme_id)
    rows = (await conn.execute(query)).mappings()
    return [
        AuditEntry(
            id=row["id"],
            at=row["at"],
            actor_person_id=row["actor_person_id"],
            actor_label=row["actor_label"],
            action=row["action"],
            programme_id=row["programme_id"],
            subject_person_id=row["subject_person_id"],
            before=dict(row["before"]) if row["before"] is not None else None,
            after=dict(row["after"]) if row["after"] is not None else None,
            actor_name=row["actor_name"],
            subject_name=row["subject_name"],
            programme_name=row["programme_name"],
        )
        for row in rows
    ]


async def count(conn: AsyncConnection, programme_id: int | None = None) -> int:
    """How many entries :func:`entries` can page through (for ``programme_id`` if given)."""
    query = select(func.count()).select_from(audit_log)
    if programme_id is not None:
        query = query.where(audit_log.c.programme_id == programme_id)
    return int((await conn.execute(query)).scalar_one())
