"""Programmes, their members and milestones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Milestone, Programme
from storage.portable import insert_or_ignore
from storage.rows import Row, inserted_id
from storage.schema import milestones, programme_members, programmes


def to_programme(row: Row) -> Programme:
    return Programme(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        reflection_weekday=row["reflection_weekday"],
        questions=list(row["questions"]),
        status=row["status"],
        unit_rule=row["unit_rule"],
        offer_hours=row["offer_hours"],
    )


async def create_programme(
    conn: AsyncConnection,
    *,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    reflection_weekday: int,
    questions: list[dict[str, Any]],
    unit_rule: str,
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(programmes).values(
            name=name,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            reflection_weekday=reflection_weekday,
            questions=questions,
            unit_rule=unit_rule,
            created_at=now,
        )
    )
    return inserted_id(result)


# Built once (bound by value at each call): read by most reflection steps of every update.
_BY_ID = select(programmes).where(programmes.c.id == bindparam("id"))


async def get_programme(conn: AsyncConnection, programme_id: int) -> Programme | None:
    row = (await conn.execute(_BY_ID, {"id": programme_id})).mappings().first()
    return to_programme(row) if row else None


async def get_programme_by_name(conn: AsyncConnection, name: str) -> Programme | None:
    row = (
        (await conn.execute(select(programmes).where(programmes.c.name == name)))
        .mappings()
        .first()
    )
    return to_programme(row) if row else None


async def list_programmes(conn: AsyncConnection) -> list[Programme]:
    rows = await conn.execute(select(programmes).order_by(programmes.c.starts_on, programmes.c.id))
    return [to_programme(r) for r in rows.mappings()]


async def set_questions(
    conn: AsyncConnection, programme_id: int, questions: list[dict[str, Any]]
) -> None:
    await conn.execute(
        update(programmes).where(programmes.c.id == programme_id).values(questions=questions)
    )


async def set_status(conn: AsyncConnection, programme_id: int, status: str) -> bool:
    """``active`` or ``ended``; False if it already had that status (a second press)."""
    result = await conn.execute(
        update(programmes)
        .where(programmes.c.id == programme_id, programmes.c.status != status)
        .values(status=status)
    )
    return result.rowcount == 1


async def add_member(conn: AsyncConnection, programme_id: int, person_id: int, role: str) -> bool:
    return await insert_or_ignore(
        conn,
        programme_members,
        {"programme_id": programme_id, "person_id": person_id, "role": role},
        keys=["programme_id", "person_id", "role"],
    )


async def members(conn: AsyncConnection, programme_id: int, role: str) -> list[int]:
    """Person ids with ``role`` in the programme, in id order."""
    rows = await conn.execute(
        select(programme_members.c.person_id)
        .where(programme_members.c.programme_id == programme_id, programme_members.c.role == role)
        .order_by(programme_members.c.person_id)
    )
    return [int(r[0]) for r in rows]


async def programmes_of(conn: AsyncConnection, person_id: int, role: str) -> list[Programme]:
    rows = await conn.execute(
        select(programmes)
        .join(programme_members, programme_members.c.programme_id == programmes.c.id)
        .where(programme_members.c.person_id == person_id, programme_members.c.role == role)
        .order_by(programmes.c.starts_on, programmes.c.id)
    )
    return [to_programme(r) for r in rows.mappings()]


async def replace_milestones(
    conn: AsyncConnection, programme_id: int, items: list[tuple[str, date | None]]
) -> None:
    await conn.execute(delete(milestones).where(milestones.c.programme_id == programme_id))
    if items:
        await conn.execute(
            insert(milestones),
            [
                {"programme_id": programme_id, "title": title, "due_on": due, "position": i}
                for i, (title, due) in enumerate(items, 1)
            ],
        )


async def milestones_of(conn: AsyncConnection, programme_id: int) -> list[Milestone]:
    rows = await conn.execute(
        select(milestones)
        .where(milestones.c.programme_id == programme_id)
        .order_by(milestones.c.position)
    )
    return [
        Milestone(r["id"], r["programme_id"], r["title"], r["due_on"], r["position"])
        for r in rows.mappings()
    ]


async def get_milestone(conn: AsyncConnection, milestone_id: int) -> Milestone | None:
    row = (
        (await conn.execute(select(milestones).where(milestones.c.id == milestone_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Milestone(row["id"], row["programme_id"], row["title"], row["due_on"], row["position"])
