"""Each mentee's milestones: marked done by them, confirmed (or sent back) by their mentor.

Every change is a conditional UPDATE that names the state it expects (a mentor's answer
names the round it was asked about), so a second press, a stale button or two presses at
once change nothing and say so (False).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import MilestoneMark
from storage.portable import insert_or_ignore
from storage.progress_facts import Who, among
from storage.rows import Row
from storage.schema import milestone_marks as marks


def _to_mark(row: Row) -> MilestoneMark:
    return MilestoneMark(
        id=row["id"],
        milestone_id=row["milestone_id"],
        person_id=row["person_id"],
        done_at=row["done_at"],
        confirmed_at=row["confirmed_at"],
        confirmed_by_id=row["confirmed_by_id"],
        round=row["round"],
    )


async def _one(conn: AsyncConnection, *where: ColumnElement[bool]) -> MilestoneMark | None:
    row = (await conn.execute(select(marks).where(*where))).mappings().first()
    return _to_mark(row) if row else None


async def get_mark(conn: AsyncConnection, mark_id: int) -> MilestoneMark | None:
    return await _one(conn, marks.c.id == mark_id)


async def of_people(conn: AsyncConnection, who: Who) -> dict[int, dict[int, MilestoneMark]]:
    """Person id -> milestone id -> mark, for many people (ids, or a sub-select of them)
    in a few queries."""
    found: dict[int, dict[int, MilestoneMark]] = {}
    for chosen, params in among(marks.c.person_id, who):
        rows = await conn.execute(select(marks).where(chosen), params)
        for row in rows.mappings():
            mark = _to_mark(row)
            found.setdefault(mark.person_id, {})[mark.milestone_id] = mark
    return found


async def mark_done(
    conn: AsyncConnection, milestone_id: int, person_id: int, now: datetime
) -> MilestoneMark | None:
    """The mentee says it is done (a new round); None if it already was or is confirmed."""
    await insert_or_ignore(
        conn,
        marks,
        {"milestone_id": milestone_id, "person_id": person_id},
        keys=["milestone_id", "person_id"],
    )
    mine = (marks.c.milestone_id == milestone_id) & (marks.c.person_id == person_id)
    result = await conn.execute(
        update(marks)
        .where(mine, marks.c.done_at.is_(None), marks.c.confirmed_at.is_(None))
        .values(done_at=now, round=marks.c.round + 1)
    )
    if result.rowcount != 1:
        return None
    return await _one(conn, mine)


def _waiting(mark_id: int, round_: int) -> ColumnElement[bool]:
    """The row as it was when the mentor was asked: that round, done, not confirmed."""
    return (
        (marks.c.id == mark_id)
        & (marks.c.round == round_)
        & marks.c.done_at.is_not(None)
        & marks.c.confirmed_at.is_(None)
    )


async def confirm(
    conn: AsyncConnection, mark_id: int, round_: int, mentor_id: int, now: datetime
) -> bool:
    result = await conn.execute(
        update(marks)
        .where(_waiting(mark_id, round_))
        .values(confirmed_at=now, confirmed_by_id=mentor_id)
    )
    return result.rowcount == 1


async def not_yet(conn: AsyncConnection, mark_id: int, round_: int) -> bool:
    """The mentor says not yet: the milestone is open again, for the mentee to mark anew."""
    result = await conn.execute(
        update(marks).where(_waiting(mark_id, round_)).values(done_at=None)
    )
    return result.rowcount == 1
