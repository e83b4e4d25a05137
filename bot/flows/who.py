"""/siapa (/who): a coordinator's lists of names, a page at a time (issue 10).

Four lists: who has not joined, who has not reflected this week, who waits for a mentor,
which reviews are overdue. The rules are the ones the rest of the bot already uses, so a
name here and a figure in the digest never disagree:

- *this week* is the person's own week (``weeks.week_start`` in their zone), and a week
  owes a reflection only inside the programme and if the programme did not start after
  its reflection day (``progress.in_programme``, ``weeks.counts``); a reflection counts
  once it is sent (``progress.REFLECTED``: a draft does not);
- *waiting for a mentor* is the digest's "mentees without a mentor": no offered or active
  pairing in the programme;
- a review is *overdue* once it has waited longer than the review nudge waits
  (``nudges.REVIEW_AFTER``, 48 hours); the digest's at-risk flag (over
  ``digest.STALE_REVIEW_DAYS``) is marked on the line.

Without a programme the lists cover every active programme and each line names its
programme; ``/siapa <programme>`` narrows them to one. Each page re-reads its list (one
query), so a page always shows the state of now; a page that no longer exists is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot import timezones
from bot.flows import weeks
from bot.flows.bulk import bulk
from bot.flows.digest import STALE_REVIEW_DAYS
from bot.flows.identity import Viewer
from bot.flows.nudges import REVIEW_AFTER
from bot.flows.progress import REFLECTED, WeekState, in_programme, owed
from bot.flows.services import Services
from storage import programmes, reflections, who
from storage.models import Programme

PAGE_SIZE = 20


class WhoList(StrEnum):
    """The four lists, by the short code their buttons carry."""

    NOT_JOINED = "nj"
    NO_REFLECTION = "nr"
    NO_MENTOR = "wm"
    OVERDUE = "or"


class Refused(StrEnum):
    NOT_ALLOWED = "not_allowed"  # only coordinators see these lists
    BAD_PAGE = "bad_page"  # a list, page or programme we could not have offered


@dataclass(frozen=True, slots=True)
class Entry:
    """One numbered line: a person, and what the list says about them."""

    number: int
    name: str
    unit: str | None
    programme: str | None = None  # shown when the lists cover several programmes
    week_state: WeekState | None = None  # no reflection: open (with due day), paused, missed
    due_on: date | None = None
    mentor: str | None = None  # overdue reviews
    week_start: date | None = None
    days_waiting: int = 0
    stale: bool = False  # waiting longer than the digest's at-risk flag


@dataclass(frozen=True, slots=True)
class Page:
    which: WhoList
    programme: Programme | None  # the one programme asked for, or None for all active
    total: int
    index: int  # 0-based
    pages: int
    entries: list[Entry]


async def _programme(svc: Services, programme_id: int) -> Programme | None:
    async with svc.db.read() as conn:
        return await programmes.get_programme(conn, programme_id)


async def programme_or_all(
    svc: Services, viewer: Viewer, programme_id: int | None
) -> Programme | Refused | None:
    """The programme a button names (0: all active ones); refused if there is no such one."""
    if not viewer.is_coordinator:
        return Refused.NOT_ALLOWED
    if programme_id is None:
        return Refused.BAD_PAGE
    if not programme_id:
        return None
    return await _programme(svc, programme_id) or Refused.BAD_PAGE


async def page(
    svc: Services, viewer: Viewer, which: str, index: int | None, programme_id: int | None
) -> Page | Refused:
    """Page ``index`` of list ``which`` (for one programme, or 0 / None for all active)."""
    if not viewer.is_coordinator:
        return Refused.NOT_ALLOWED
    if which not in set(WhoList) or index is None or index < 0 or programme_id is None:
        return Refused.BAD_PAGE
    chosen = await _programme(svc, programme_id) if programme_id else None
    if programme_id and chosen is None:
        return Refused.BAD_PAGE
    entries = await entries_of(svc, WhoList(which), chosen)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    if index >= pages:
        return Refused.BAD_PAGE
    shown = entries[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
    return Page(WhoList(which), chosen, len(entries), index, pages, shown)


@bulk
async def entries_of(svc: Services, which: WhoList, chosen: Programme | None) -> list[Entry]:
    """Every line of a list, numbered (one query for the list, one for programme names)."""
    now = svc.clock.now()
    programme_id = chosen.id if chosen else None
    async with svc.db.read() as conn:
        every = {p.id: p for p in await programmes.list_programmes(conn)}
        if which is WhoList.NOT_JOINED:
            found = [(n.name, n.unit, None) for n in await who.not_joined(conn, programme_id)]
            return [Entry(i + 1, name, unit) for i, (name, unit, _) in enumerate(found)]
        if which is WhoList.NO_MENTOR:
            rows = await who.waiting_for_mentor(conn, programme_id)
            return [
                Entry(i + 1, n.name, n.unit, _label(every, n.programme_id, chosen))
                for i, n in enumerate(rows)
            ]
        if which is WhoList.NO_REFLECTION:
            rows = await who.without_reflection(conn, this_weeks(now), REFLECTED, programme_id)
            return _unreflected(rows, every, chosen, now)
        waiting = await who.reviews_waiting(
            conn, now - REVIEW_AFTER, reflections.WAITING_REVIEW, programme_id
        )
    return [
        Entry(
            i + 1,
            w.mentee,
            w.mentee_unit,
            _label(every, w.programme_id, chosen),
            mentor=w.mentor,
            week_start=w.week_start,
            days_waiting=(now - w.submitted_at).days,
            stale=(now - w.submitted_at).days > STALE_REVIEW_DAYS,
        )
        for i, w in enumerate(waiting)
    ]


def this_weeks(now: datetime) -> dict[str, date]:
    """Monday of the current week in every zone a person can have (WIT's Monday starts
    two hours before WIB's)."""
    return {zone: weeks.week_start(now, zone) for zone in timezones.STORED_ZONES}


def _unreflected(
    rows: list[who.Named], every: dict[int, Programme], chosen: Programme | None, now: datetime
) -> list[Entry]:
    """Keep the weeks that owe a reflection, and say how each stands (due, paused, late)."""
    found: list[Entry] = []
    for row in rows:
        programme = every.get(row.programme_id or 0)
        if programme is None:
            continue
        week = weeks.week_start(now, row.timezone)
        if not in_programme(programme, week) or not weeks.counts(
            week, programme.reflection_weekday, programme.starts_on
        ):
            continue
        if row.paused_until is not None and row.paused_until > now:
            state = WeekState.PAUSED
        elif owed(programme, week, row.timezone, now):
            state = WeekState.MISSED
        else:
            state = WeekState.OPEN
        found.append(
            Entry(
                len(found) + 1,
                row.name,
                row.unit,
                _label(every, programme.id, chosen),
                week_state=state,
                due_on=week + timedelta(days=programme.reflection_weekday),
            )
        )
    return found


def _label(
    every: dict[int, Programme], programme_id: int | None, chosen: Programme | None
) -> str | None:
    """The programme's name on a line, unless the whole list is about that one programme."""
    if chosen is not None or programme_id is None or programme_id not in every:
        return None
    return every[programme_id].name
