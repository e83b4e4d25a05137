"""/tonggak (/milestones): a mentee marks a milestone done; their mentor confirms or says
"not yet"; the mentee hears the outcome.

The state is per mentee (``storage.milestone_marks``). A mentor's buttons carry the mark
and the round it asks about: a press on an old round, a second press, or a press by
anyone but the mentee's active mentor in that programme is refused and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.flows import recipients
from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import milestone_marks, pairings, people, programmes
from storage.models import Milestone, MilestoneMark, Programme


class Show(StrEnum):
    LIST = "list"
    NONE = "none"  # no programme with milestones
    MARKED = "marked"  # the mentor was asked
    MARKED_NO_MENTOR = "marked_no_mentor"  # recorded; nobody to confirm yet
    CONFIRMED = "confirmed"
    NOT_YET = "not_yet"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Item:
    milestone: Milestone
    mark: MilestoneMark | None

    @property
    def state(self) -> str:
        return self.mark.state if self.mark else "open"


@dataclass(frozen=True, slots=True)
class ProgrammeMilestones:
    programme: Programme
    items: tuple[Item, ...]


@dataclass(slots=True)
class Screen:
    show: Show
    lists: list[ProgrammeMilestones] = field(default_factory=list)
    title: str | None = None  # the milestone acted on (``@key`` for a template's)
    mentee: str | None = None


async def overview(svc: Services, viewer: Viewer) -> Screen:
    """The viewer's programmes (as mentee) with their milestones and how each stands."""
    me = viewer.person
    if me is None:
        return Screen(Show.NONE)
    async with svc.db.read() as conn:
        taking = await programmes.programmes_of(conn, me.id, "mentee")
        marks = (await milestone_marks.of_people(conn, [me.id])).get(me.id, {})
        lists = []
        for programme in taking:
            found = await programmes.milestones_of(conn, programme.id)
            if found:
                items = tuple(Item(m, marks.get(m.id)) for m in found)
                lists.append(ProgrammeMilestones(programme, items))
    return Screen(Show.LIST if lists else Show.NONE, lists)


async def mark_done(svc: Services, viewer: Viewer, milestone_id: int) -> Screen:
    """The mentee marks one of their programme's milestones done; their active mentor is
    asked to confirm (a notice with buttons)."""
    me = viewer.person
    now = svc.clock.now()
    if me is None:
        return Screen(Show.INVALID)
    async with svc.db.write() as conn:
        milestone = await programmes.get_milestone(conn, milestone_id)
        if milestone is None or milestone.programme_id not in {
            p.id for p in await programmes.programmes_of(conn, me.id, "mentee")
        }:
            return Screen(Show.INVALID)
        mark = await milestone_marks.mark_done(conn, milestone.id, me.id, now)
        if mark is None:
            return Screen(Show.INVALID)  # already done or confirmed: a second press
        programme = await programmes.get_programme(conn, milestone.programme_id)
        pairing = await pairings.current_for_mentee(conn, milestone.programme_id, me.id)
        mentor = None
        if pairing is not None and pairing.status == pairings.ACTIVE:
            mentor = await people.get_person(conn, pairing.mentor_id)
        if mentor is None or programme is None:
            return Screen(Show.MARKED_NO_MENTOR, title=milestone.title)
        await recipients.notify(
            conn,
            mentor,
            dedup=f"ms:{mark.id}:{mark.round}:ask",
            now=now,
            kind="milestone.please_confirm",
            params={
                "mark_id": mark.id,
                "round": mark.round,
                "mentee": me.name,
                "programme": programme.name,
                "title": milestone.title,
            },
        )
    svc.outbox_wake()
    return Screen(Show.MARKED, title=milestone.title)


async def answer(
    svc: Services, viewer: Viewer, mark_id: int, round_: int, *, confirm: bool
) -> Screen:
    """The mentor confirms the milestone or says not yet; the mentee is told either way."""
    me = viewer.person
    now = svc.clock.now()
    if me is None:
        return Screen(Show.INVALID)
    async with svc.db.write() as conn:
        mark = await milestone_marks.get_mark(conn, mark_id)
        milestone = await programmes.get_milestone(conn, mark.milestone_id) if mark else None
        if mark is None or milestone is None:
            return Screen(Show.INVALID)
        pairing = await pairings.current_for_mentee(conn, milestone.programme_id, mark.person_id)
        if pairing is None or pairing.status != pairings.ACTIVE or pairing.mentor_id != me.id:
            return Screen(Show.INVALID)  # not this mentee's mentor (now)
        if confirm:
            changed = await milestone_marks.confirm(conn, mark.id, round_, me.id, now)
        else:
            changed = await milestone_marks.not_yet(conn, mark.id, round_)
        if not changed:
            return Screen(Show.INVALID)  # answered already, or an older round
        mentee = await people.get_person(conn, mark.person_id)
        programme = await programmes.get_programme(conn, milestone.programme_id)
        outcome = "confirmed" if confirm else "not_yet"
        if mentee is not None and programme is not None:
            await recipients.notify(
                conn,
                mentee,
                dedup=f"ms:{mark.id}:{round_}:{outcome}",
                now=now,
                kind=f"milestone.{outcome}",
                params={"mentor": me.name, "programme": programme.name, "title": milestone.title},
            )
    svc.outbox_wake()
    return Screen(
        Show.CONFIRMED if confirm else Show.NOT_YET,
        title=milestone.title,
        mentee=mentee.name if mentee else None,
    )
