"""Weekly reflections, their evidence and their reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import weekly_facts
from storage.models import Evidence, Reflection, Review
from storage.portable import insert_or_ignore
from storage.rows import Row
from storage.schema import pairings, reflection_evidence, reflections, reviews

DRAFT, SUBMITTED, REVISION, APPROVED = "draft", "submitted", "revision", "approved"
WAITING_REVIEW = (SUBMITTED,)


def to_reflection(row: Row) -> Reflection:
    return Reflection(
        id=row["id"],
        programme_id=row["programme_id"],
        person_id=row["person_id"],
        week_start=row["week_start"],
        status=row["status"],
        answers=dict(row["answers"] or {}),
        minutes=row["minutes"],
        version=row["version"],
        late=bool(row["late"]),
        submitted_at=row["submitted_at"],
        reviewed_at=row["reviewed_at"],
        answer_messages=dict(row["answer_messages"] or {}),
    )


# Built once (bound by value at each call): every reflection step reads its reflection.
_BY_ID = select(reflections).where(reflections.c.id == bindparam("id"))


async def get_reflection(conn: AsyncConnection, reflection_id: int) -> Reflection | None:
    row = (await conn.execute(_BY_ID, {"id": reflection_id})).mappings().first()
    return to_reflection(row) if row else None


async def for_week(
    conn: AsyncConnection, programme_id: int, person_id: int, week_start: date
) -> Reflection | None:
    row = (
        (
            await conn.execute(
                select(reflections).where(
                    reflections.c.programme_id == programme_id,
                    reflections.c.person_id == person_id,
                    reflections.c.week_start == week_start,
                )
            )
        )
        .mappings()
        .first()
    )
    return to_reflection(row) if row else None


async def open_draft(
    conn: AsyncConnection, programme_id: int, person_id: int, week_start: date, now: datetime
) -> Reflection:
    """The week's reflection, created as an empty draft if there is none (one per week)."""
    await insert_or_ignore(
        conn,
        reflections,
        {
            "programme_id": programme_id,
            "person_id": person_id,
            "week_start": week_start,
            "status": DRAFT,
            "answers": {},
            "version": 1,
            "late": False,
            "created_at": now,
            "updated_at": now,
        },
        keys=["programme_id", "person_id", "week_start"],
    )
    found = await for_week(conn, programme_id, person_id, week_start)
    assert found is not None
    return found


def _saving_answer(*, minutes: bool) -> Any:
    """The answer's ``UPDATE ... RETURNING``, built once and bound by value at each call:
    built per call, its literal id and values were re-extracted as parameters each time,
    which profiling showed as a good part of an answer's statement cost."""
    values: dict[str, Any] = {
        "answers": bindparam("v_answers", type_=reflections.c.answers.type),
        "answer_messages": bindparam("v_messages", type_=reflections.c.answer_messages.type),
        "updated_at": bindparam("v_now", type_=reflections.c.updated_at.type),
    }
    if minutes:
        values["minutes"] = bindparam("v_minutes", type_=reflections.c.minutes.type)
    return (
        update(reflections)
        .where(reflections.c.id == bindparam("rid"))
        .values(**values)
        .returning(*reflections.c)
    )


_SAVE_ANSWER = _saving_answer(minutes=False)
_SAVE_ANSWER_AND_MINUTES = _saving_answer(minutes=True)


async def save_answer(
    conn: AsyncConnection,
    reflection_id: int,
    index: int,
    text: str,
    now: datetime,
    minutes: int | None = None,
    message_id: int | None = None,
    current: Reflection | None = None,
) -> Reflection:
    """Store one answer; ``message_id`` is the one message that gave it whole (None for an
    answer in several parts), so an edit of that message can find its answer later.

    ``current`` is the reflection as read earlier in this same write transaction (then it
    is not read again); the row as saved comes back from the ``UPDATE`` itself."""
    if current is None or current.id != reflection_id:
        current = await get_reflection(conn, reflection_id)
    assert current is not None
    answers = {**current.answers, str(index): text}
    messages = {m: i for m, i in current.answer_messages.items() if i != index}
    if message_id is not None:
        messages[str(message_id)] = index
    params = {"rid": reflection_id, "v_answers": answers, "v_messages": messages, "v_now": now}
    if minutes is None:
        stmt = _SAVE_ANSWER
    else:
        stmt, params["v_minutes"] = _SAVE_ANSWER_AND_MINUTES, minutes
    saved = (await conn.execute(stmt, params)).mappings().first()
    assert saved is not None
    return to_reflection(saved)


async def set_state(
    conn: AsyncConnection,
    reflection_id: int,
    *,
    status: str,
    now: datetime,
    expect: tuple[str, ...],
    expect_version: int | None = None,
    **values: Any,
) -> bool:
    """Move a reflection on, guarded by its current status (and version): False if stale.

    The one writer of a reflection's status, so it keeps ``weekly_facts`` in step, in the
    same transaction (the row it changed is locked until then)."""
    # Minutes count once, when approved: leaving approved must be its own move to count down.
    assert APPROVED not in expect or expect == (APPROVED,), "approved is moved from alone"
    r = reflections.c
    where = [r.id == reflection_id, r.status.in_(expect)]
    if expect_version is not None:
        where.append(r.version == expect_version)
    changed = (
        await conn.execute(
            update(reflections)
            .where(*where)
            .values(status=status, updated_at=now, **values)
            .returning(r.programme_id, r.person_id, r.week_start, r.late, r.minutes)
        )
    ).all()
    if len(changed) != 1:
        return False
    programme_id, person_id, week_start, late, minutes = changed[0]
    await weekly_facts.reflection_changed(
        conn,
        programme_id=programme_id,
        person_id=person_id,
        week_start=week_start,
        status=status,
        late=bool(late),
        was_approved=expect == (APPROVED,),
        minutes=minutes,
    )
    return True


async def waiting_since(conn: AsyncConnection, before: datetime) -> list[tuple[int, Reflection]]:
    """(mentor id, reflection) for every reflection of an active pairing waiting for review
    since before ``before``, oldest first: the review nudges' one query."""
    rows = await conn.execute(
        select(pairings.c.mentor_id, reflections)
        .join(
            pairings,
            (pairings.c.programme_id == reflections.c.programme_id)
            & (pairings.c.mentee_id == reflections.c.person_id),
        )
        .where(
            pairings.c.status == "active",
            reflections.c.status.in_(WAITING_REVIEW),
            reflections.c.submitted_at < before,
        )
        .order_by(reflections.c.submitted_at, reflections.c.id)
    )
    return [(row["mentor_id"], to_reflection(row)) for row in rows.mappings()]


async def open_of_person(conn: AsyncConnection, person_id: int) -> list[Reflection]:
    """This person's reflections still being written (draft or sent back for revision)."""
    rows = await conn.execute(
        select(reflections).where(
            reflections.c.person_id == person_id, reflections.c.status.in_((DRAFT, REVISION))
        )
    )
    return [to_reflection(r) for r in rows.mappings()]


async def of_person(conn: AsyncConnection, person_id: int, programme_id: int) -> list[Reflection]:
    rows = await conn.execute(
        select(reflections)
        .where(reflections.c.person_id == person_id, reflections.c.programme_id == programme_id)
        .order_by(reflections.c.week_start)
    )
    return [to_reflection(r) for r in rows.mappings()]


async def waiting_for_mentor(conn: AsyncConnection, mentor_id: int) -> list[Reflection]:
    """Submitted reflections of this mentor's active mentees, oldest first."""
    rows = await conn.execute(
        select(reflections)
        .join(
            pairings,
            (pairings.c.programme_id == reflections.c.programme_id)
            & (pairings.c.mentee_id == reflections.c.person_id),
        )
        .where(
            pairings.c.mentor_id == mentor_id,
            pairings.c.status == "active",
            reflections.c.status.in_(WAITING_REVIEW),
        )
        .order_by(reflections.c.submitted_at, reflections.c.id)
    )
    return [to_reflection(r) for r in rows.mappings()]


async def add_evidence(
    conn: AsyncConnection,
    reflection_id: int,
    *,
    kind: str,
    file_id: str,
    file_unique_id: str | None,
    caption: str | None,
    now: datetime,
) -> int:
    await conn.execute(
        insert(reflection_evidence).values(
            reflection_id=reflection_id,
            kind=kind,
            telegram_file_id=file_id,
            file_unique_id=file_unique_id,
            caption=caption,
            created_at=now,
        )
    )
    count = await conn.execute(
        select(func.count()).where(reflection_evidence.c.reflection_id == reflection_id)
    )
    return int(count.scalar() or 0)


async def evidence_of(conn: AsyncConnection, reflection_id: int) -> list[Evidence]:
    rows = await conn.execute(
        select(reflection_evidence)
        .where(reflection_evidence.c.reflection_id == reflection_id)
        .order_by(reflection_evidence.c.id)
    )
    return [
        Evidence(r["id"], r["reflection_id"], r["kind"], r["telegram_file_id"], r["caption"])
        for r in rows.mappings()
    ]


async def add_review(
    conn: AsyncConnection,
    *,
    reflection_id: int,
    reviewer_id: int,
    version: int,
    decision: str,
    comment: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        insert(reviews).values(
            reflection_id=reflection_id,
            reviewer_id=reviewer_id,
            version=version,
            decision=decision,
            comment=comment,
            created_at=now,
        )
    )


async def reviews_of(conn: AsyncConnection, reflection_id: int) -> list[Review]:
    return (await reviews_by_reflection(conn, [reflection_id])).get(reflection_id, [])


async def reviews_by_reflection(
    conn: AsyncConnection, reflection_ids: Sequence[int]
) -> dict[int, list[Review]]:
    """Each reflection's reviews, oldest first, in one query (a record's whole programme)."""
    if not reflection_ids:
        return {}
    rows = await conn.execute(
        select(reviews)
        .where(reviews.c.reflection_id.in_(list(reflection_ids)))
        .order_by(reviews.c.id)
    )
    found: dict[int, list[Review]] = {}
    for r in rows.mappings():
        found.setdefault(r["reflection_id"], []).append(
            Review(
                r["id"],
                r["reflection_id"],
                r["reviewer_id"],
                r["version"],
                r["decision"],
                r["comment"],
                r["created_at"],
            )
        )
    return found


async def count_for_programme(conn: AsyncConnection, programme_id: int) -> int:
    total = await conn.execute(
        select(func.count()).where(reflections.c.programme_id == programme_id)
    )
    return int(total.scalar() or 0)
