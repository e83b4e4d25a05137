"""/riwayat (/history): reading past reflections and their reviews (issue 10).

A mentee reads their own reflections, a mentor those of the people they mentor or
mentored, one reflection a page, newest first. Who may read whom is decided here, for
every page: a mentor sees a mentee's reflections only in the programmes where they were
paired (active or ended), and only what was sent to them (never a draft); a button naming
anyone else shows nothing. The mentee sees everything of theirs, drafts included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import history, pairings, people, programmes, reflections
from storage.models import Person, Programme, Reflection, Review

MENTORED = (pairings.ACTIVE, pairings.ENDED)  # offers declined or expired never mentored
SENT = (reflections.SUBMITTED, reflections.REVISION, reflections.APPROVED)
EVERY = (reflections.DRAFT, *SENT)


class Refused(StrEnum):
    NOT_ALLOWED = "not_allowed"  # not this person's history to read
    EMPTY = "empty"  # nothing written yet
    BAD_PAGE = "bad_page"  # a page we could not have offered (or no longer exists)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One reflection with its reviews, and where it stands in the history."""

    mentee: Person
    reflection: Reflection
    programme: Programme
    reviews: list[Review]
    reviewers: dict[int, str]  # reviewer id -> name
    index: int  # 0 = newest
    total: int
    own: bool  # the viewer reads their own history


@dataclass(frozen=True, slots=True)
class Start:
    """What /riwayat opens with: the viewer's own first page, or a choice of mentees."""

    mentees: list[Person]  # a mentor picks one (the viewer too, if also a mentee)
    own: HistoryPage | Refused | None  # a mentee who mentors nobody goes straight here


async def start(svc: Services, viewer: Viewer) -> Start | Refused:
    me = viewer.person
    if me is None or not {"mentee", "mentor"} & me.roles:
        return Refused.NOT_ALLOWED
    async with svc.db.read() as conn:
        ids = await history.mentee_ids(conn, me.id, MENTORED) if "mentor" in me.roles else []
        mentees = await people.get_people(conn, ids)
    mentees.sort(key=lambda p: (p.name, p.id))
    if not mentees:
        if "mentee" not in me.roles:
            return Refused.EMPTY
        return Start([], await page(svc, viewer, me.id, 0))
    if "mentee" in me.roles:
        mentees.insert(0, me)
    return Start(mentees, None)


async def _scope(
    conn: AsyncConnection, me: Person, mentee_id: int
) -> tuple[set[int] | None, tuple[str, ...]] | None:
    """(programmes, statuses) of ``mentee_id``'s reflections ``me`` may read; None: none."""
    if mentee_id == me.id:
        return None, EVERY
    if "mentor" not in me.roles:
        return None
    shared = await history.shared_programmes(conn, me.id, mentee_id, MENTORED)
    return (shared, SENT) if shared else None


async def page(
    svc: Services, viewer: Viewer, mentee_id: int | None, index: int | None
) -> HistoryPage | Refused:
    """Reflection number ``index`` (0 = newest) of ``mentee_id``, if the viewer may read it."""
    me = viewer.person
    if me is None or mentee_id is None or index is None:
        return Refused.NOT_ALLOWED if me is None else Refused.BAD_PAGE
    async with svc.db.read() as conn:
        scope = await _scope(conn, me, mentee_id)
        if scope is None:
            return Refused.NOT_ALLOWED
        programme_ids, statuses = scope
        ids = await history.reflection_ids(conn, mentee_id, programme_ids, statuses)
        if not ids:
            return Refused.EMPTY
        if not 0 <= index < len(ids):
            return Refused.BAD_PAGE
        reflection = await reflections.get_reflection(conn, ids[index])
        mentee = await people.get_person(conn, mentee_id)
        assert reflection is not None
        assert mentee is not None
        programme = await programmes.get_programme(conn, reflection.programme_id)
        assert programme is not None
        reviews = await reflections.reviews_of(conn, reflection.id)
        names = {
            p.id: p.name for p in await people.get_people(conn, [r.reviewer_id for r in reviews])
        }
    return HistoryPage(
        mentee, reflection, programme, reviews, names, index, len(ids), mentee_id == me.id
    )
