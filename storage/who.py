"""The coordinator's "who" lists, each one query over the whole province.

A coordinator asks for names, not counts: who has not joined, who has not reflected this
week, who waits for a mentor, whose reflection waits too long for review. Each list is one
set-based query (people joined to what they lack), never a query per person, so it stays
fast for ten thousand people. The rules (which week is "this week", when a review is
overdue) are decided by the flows (``bot.flows.who``) and passed in as plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from storage.progress_facts import member_paired
from storage.schema import pairings, people, programme_members, programmes, reflections

ACTIVE_PROGRAMME = "active"


@dataclass(frozen=True, slots=True)
class Named:
    """One person in a list: who, where they work, and (if it is about one) the programme."""

    person_id: int
    name: str
    unit: str | None
    programme_id: int | None = None
    timezone: str = ""
    paused_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class WaitingReview:
    """A reflection waiting for its mentor's review."""

    reflection_id: int
    mentee: str
    mentee_unit: str | None
    mentor: str
    programme_id: int
    week_start: date
    submitted_at: datetime


def _programme_filter(programme_id: int | None) -> list[ColumnElement[bool]]:
    """Only active programmes, or the one asked for."""
    if programme_id is not None:
        return [programmes.c.id == programme_id]
    return [programmes.c.status == ACTIVE_PROGRAMME]


async def not_joined(conn: AsyncConnection, programme_id: int | None = None) -> list[Named]:
    """People on the roster (not inactive) with no Telegram account bound yet; with a
    programme, only its members (any role), each once."""
    p = people.c
    query = select(p.id, p.name, p.unit).where(p.telegram_id.is_(None), p.status != "inactive")
    if programme_id is not None:
        member = select(programme_members.c.person_id).where(
            programme_members.c.programme_id == programme_id,
            programme_members.c.person_id == p.id,
        )
        query = query.where(member.exists())
    rows = await conn.execute(query.order_by(p.name, p.id))
    return [Named(person_id, name, unit) for person_id, name, unit in rows]


async def without_reflection(
    conn: AsyncConnection,
    weeks_by_zone: Mapping[str, date],
    reflected: Sequence[str],
    programme_id: int | None = None,
) -> list[Named]:
    """Mentees of active programmes (or of one) with no reflection in ``reflected``
    statuses for their own current week; ``weeks_by_zone`` gives that week (a Monday)
    per time zone, since Monday comes earlier in WIT than in WIB. People in a zone not
    given are left out. Whether the week owes a reflection is the flow's business."""
    if not weeks_by_zone:
        return []
    p, m, r = people.c, programme_members.c, reflections.c
    own_week = or_(
        *(and_(p.timezone == zone, r.week_start == week) for zone, week in weeks_by_zone.items())
    )
    sent = select(r.id).where(
        r.programme_id == m.programme_id,
        r.person_id == p.id,
        r.status.in_(list(reflected)),
        own_week,
    )
    rows = await conn.execute(
        select(p.id, p.name, p.unit, m.programme_id, p.timezone, p.nudges_paused_until)
        .join(programme_members, m.person_id == p.id)
        .join(programmes, programmes.c.id == m.programme_id)
        .where(
            m.role == "mentee",
            p.timezone.in_(list(weeks_by_zone)),
            ~sent.exists(),
            *_programme_filter(programme_id),
        )
        .order_by(p.name, p.id, m.programme_id)
    )
    return [Named(*row) for row in rows]


async def waiting_for_mentor(
    conn: AsyncConnection, programme_id: int | None = None
) -> list[Named]:
    """Mentees of active programmes (or of one) with no offered or active pairing there:
    the digest's "mentees without a mentor" (``progress_facts.unmatched_mentees``), with
    names."""
    p, m = people.c, programme_members.c
    paired = member_paired()
    rows = await conn.execute(
        select(p.id, p.name, p.unit, m.programme_id)
        .join(programme_members, m.person_id == p.id)
        .join(programmes, programmes.c.id == m.programme_id)
        .where(m.role == "mentee", ~paired, *_programme_filter(programme_id))
        .order_by(p.name, p.id, m.programme_id)
    )
    return [Named(person_id, name, unit, prog) for person_id, name, unit, prog in rows]


async def reviews_waiting(
    conn: AsyncConnection,
    before: datetime,
    waiting: Sequence[str],
    programme_id: int | None = None,
) -> list[WaitingReview]:
    """Reflections of active pairings waiting for review (``waiting`` statuses) since
    before ``before``, oldest first, with mentee and mentor names: the review nudge's
    rule (``reflections.waiting_since``) without reading anyone's answers."""
    r, pr = reflections.c, pairings.c
    mentee, mentor = aliased(people), aliased(people)
    where = [
        pr.status == "active",
        r.status.in_(list(waiting)),
        r.submitted_at.is_not(None),
        r.submitted_at < before,
    ]
    if programme_id is not None:
        where.append(r.programme_id == programme_id)
    query = (
        select(
            r.id,
            mentee.c.name,
            mentee.c.unit,
            mentor.c.name,
            r.programme_id,
            r.week_start,
            r.submitted_at,
        )
        .select_from(reflections)
        .join(pairings, (pr.programme_id == r.programme_id) & (pr.mentee_id == r.person_id))
        .join(mentee, mentee.c.id == r.person_id)
        .join(mentor, mentor.c.id == pr.mentor_id)
        .where(*where)
        .order_by(r.submitted_at, r.id)
    )
    return [WaitingReview(*row) for row in await conn.execute(query)]
