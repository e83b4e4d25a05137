"""Mentees' ratings of their mentoring sessions, read for coordinators only.

Kept apart from ``storage.sessions`` (which writes them): a rating and its note are for
coordinators' eyes, and every reader of them is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import mentoring_sessions, people, programmes


@dataclass(frozen=True, slots=True)
class MentorRating:
    """A mentor's average over the rated sessions of active programmes."""

    mentor_id: int
    name: str
    average: float
    rated: int
    notes: int


@dataclass(frozen=True, slots=True)
class RatingNote:
    """One rated session with a note, as a coordinator reads it."""

    held_on: date
    rating: int
    note: str
    mentee: str
    topic: str


async def mentor_averages(conn: AsyncConnection) -> list[MentorRating]:
    """Every mentor with a rated, confirmed (never disputed) session in an active programme,
    lowest average first (those are the ones a coordinator looks at), then by name."""
    s = mentoring_sessions.c
    average = func.avg(s.rating)
    rows = await conn.execute(
        select(
            s.mentor_id,
            people.c.name,
            average,
            func.count(s.rating),
            func.count(func.nullif(s.rating_note, "")),
        )
        .join(people, people.c.id == s.mentor_id)
        .join(programmes, programmes.c.id == s.programme_id)
        .where(
            s.rating.is_not(None),
            s.rating > 0,
            s.confirmed_at.is_not(None),
            s.disputed_at.is_(None),
            programmes.c.status == "active",
        )
        .group_by(s.mentor_id, people.c.name)
        .order_by(average, people.c.name)
    )
    return [
        MentorRating(int(mentor_id), name, float(avg), int(rated), int(notes))
        for mentor_id, name, avg, rated, notes in rows
    ]


async def notes_for(conn: AsyncConnection, mentor_id: int) -> list[RatingNote]:
    """The notes mentees wrote to their ratings of this mentor's sessions, newest first."""
    s = mentoring_sessions.c
    rows = await conn.execute(
        select(s.held_on, s.rating, s.rating_note, people.c.name, s.topic)
        .join(people, people.c.id == s.mentee_id)
        .where(
            s.mentor_id == mentor_id,
            s.rating_note.is_not(None),
            s.rating_note != "",
            s.confirmed_at.is_not(None),
            s.disputed_at.is_(None),
        )
        .order_by(s.held_on.desc(), s.id.desc())
    )
    return [RatingNote(*row) for row in rows]
