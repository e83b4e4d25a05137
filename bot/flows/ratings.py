"""Session ratings for coordinators: averages per mentor, and each mentee's note on request
(/catatan, then a mentor's button).

Mentees rate a confirmed session 1-4 with an optional note (``bot.flows.sessions``); they
were promised that only coordinators see it. So every reader here checks the viewer is a
coordinator: a forged button from anyone else gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import people, ratings
from storage.models import Person
from storage.ratings import MentorRating, RatingNote

LIST_MENTORS = 30  # one /catatan message's worth of mentors (a name narrows the list)


async def averages(svc: Services, viewer: Viewer, name: str = "") -> list[MentorRating] | None:
    """/catatan [name]: mentors' averages, lowest first (None: not a coordinator)."""
    if not viewer.is_coordinator:
        return None
    async with svc.db.read() as conn:
        found = await ratings.mentor_averages(conn)
    wanted = name.strip().casefold()
    return [m for m in found if wanted in m.name.casefold()][:LIST_MENTORS]


@dataclass(frozen=True, slots=True)
class MentorNotes:
    mentor: Person
    notes: list[RatingNote]


async def notes_of(svc: Services, viewer: Viewer, mentor_id: int | None) -> MentorNotes | None:
    """The notes on one mentor's sessions; None when the press is refused (not a
    coordinator, or no such person)."""
    if not viewer.is_coordinator or mentor_id is None:
        return None
    async with svc.db.read() as conn:
        mentor = await people.get_person(conn, mentor_id)
        notes = await ratings.notes_for(conn, mentor_id)
    return None if mentor is None else MentorNotes(mentor, notes)
