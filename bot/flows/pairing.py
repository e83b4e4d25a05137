"""Pairing mentees with mentors: proposals, offers the mentor accepts or declines, re-offers.

Every pairing starts as an *offer* to the mentor (a button message through the outbox). A
decline, or no answer within the programme's window, offers the mentee to the next
candidate and tells the coordinators. Capacity is checked inside the write transaction that
creates an offer, so no path can over-assign a mentor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import audit, recipients
from bot.flows.bulk import bulk
from bot.flows.identity import Viewer
from bot.flows.matching import (
    MenteeNeed,
    MentorSlot,
    Proposal,
    Rules,
    UnitRule,
    Unmatched,
    propose,
)
from bot.flows.reflection import send_to_mentor
from bot.flows.services import Services
from bot.flows.templates import TEMPLATES
from storage import outbox, pairings, people, programmes, reflections
from storage.models import Pairing, Person, Programme


@dataclass(slots=True)
class Plan:
    """Proposed pairs with the people behind the ids, for showing and applying."""

    programme: Programme
    proposals: list[Proposal] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    people: dict[int, Person] = field(default_factory=dict)
    waiting: list[Proposal] = field(default_factory=list)  # offered, mentor not on Telegram yet

    def reachable(self, proposal: Proposal) -> bool:
        """Whether the offer can reach the mentor now."""
        return reachable(self.people[proposal.mentor_id])


def reachable(person: Person) -> bool:
    """On Telegram and not refused by it (blocked the bot): a message would arrive."""
    return person.telegram_id is not None and person.status != "unreachable"


def _active(person: Person) -> bool:
    """Neither offered nor given a mentor: someone marked inactive by a coordinator (on
    leave, moved away) until marked active again, and an erased person, who stays a member
    only for the counts."""
    return person.status != "inactive" and person.erased_at is None


async def _plan(conn: AsyncConnection, programme: Programme, only: set[int] | None = None) -> Plan:
    mentee_ids = await programmes.members(conn, programme.id, "mentee")
    mentor_ids = await programmes.members(conn, programme.id, "mentor")
    everyone = {p.id: p for p in await people.all_people(conn)}
    loads = await pairings.loads(conn)
    history = await pairings.history(conn)
    current = {
        p.mentee_id
        for p in await pairings.of_programme(conn, programme.id)
        if p.status in pairings.CURRENT
    }
    refused = frozenset(
        (p.mentor_id, p.mentee_id)
        for p in await pairings.of_programme(conn, programme.id)
        if p.status in (pairings.DECLINED, pairings.EXPIRED)
    )
    needs = [
        MenteeNeed(i, everyone[i].unit, everyone[i].supervisor_id, everyone[i].mentor_id)
        for i in mentee_ids
        if i not in current and (only is None or i in only) and _active(everyone[i])
    ]
    slots = [
        MentorSlot(i, everyone[i].unit, everyone[i].mentor_capacity, loads.get(i, 0))
        for i in mentor_ids
        if _active(everyone[i])
    ]
    rules = Rules(
        unit=UnitRule(programme.unit_rule),
        supervisor_first=TEMPLATES[programme.kind].supervisor_first,
    )
    proposals, unmatched = propose(needs, slots, rules, past_pairs=history, excluded=refused)
    return Plan(programme, proposals, unmatched, everyone)


@bulk
async def plan_for(svc: Services, programme: Programme) -> Plan:
    async with svc.db.read() as conn:
        return await _plan(conn, programme)


async def _offer(
    conn: AsyncConnection,
    programme: Programme,
    mentor: Person,
    mentee: Person,
    reasons: tuple[str, ...],
    now: datetime,
) -> Pairing | None:
    """Offer ``mentee`` to ``mentor``; None if the mentee has a current pairing already
    (another process paired them since this transaction looked)."""
    pairing = await pairings.create_pairing(
        conn,
        programme_id=programme.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status=pairings.OFFERED,
        reason=",".join(reasons),
        now=now,
        clock_started=reachable(mentor),
    )
    if pairing is not None:
        await _send_offer(conn, pairing, programme, mentor, mentee, now)
    return pairing


async def _send_offer(
    conn: AsyncConnection,
    pairing: Pairing,
    programme: Programme,
    mentor: Person,
    mentee: Person,
    now: datetime,
) -> bool:
    """Queue the offer with its buttons; nothing (False) while it cannot reach the mentor
    (then :func:`deliver_waiting_offers` sends it when they join or come back)."""
    if not reachable(mentor):
        return False
    return await recipients.notify(
        conn,
        mentor,
        dedup=f"pair:{pairing.id}:offer",
        now=now,
        kind="pair.offer",
        params={
            "pairing_id": pairing.id,
            "mentee": mentee.name,
            "unit": mentee.unit or "-",
            "programme": programme.name,
            "hours": programme.offer_hours,
        },
    )


async def deliver_waiting_offers(conn: AsyncConnection, mentor: Person, now: datetime) -> int:
    """A mentor just joined (or unblocked the bot): offers made while they could not be
    reached are sent now and their answer window starts now, not when the coordinator
    pressed the button. Returns how many."""
    waiting = await pairings.start_waiting_offers(conn, mentor.id, now)
    for pairing in waiting:
        programme = await programmes.get_programme(conn, pairing.programme_id)
        mentee = await people.get_person(conn, pairing.mentee_id)
        assert programme is not None
        assert mentee is not None
        await _send_offer(conn, pairing, programme, mentor, mentee, now)
    return len(waiting)


@bulk
async def apply(svc: Services, viewer: Viewer | None, programme: Programme) -> Plan | None:
    """Offer every proposed pair (recomputed inside the transaction, so it cannot over-assign).

    ``viewer`` None means the command line (an operator); in chat only coordinators may.
    """
    if viewer is not None and not viewer.is_coordinator:
        return None
    now = svc.clock.now()
    async with svc.db.write() as conn:
        stored = await programmes.get_programme(conn, programme.id)
        if stored is None or stored.status != "active":
            return Plan(programme)  # ended since the proposal was shown: nothing is offered
        await _lock_mentors(conn, programme)
        plan = await _plan(conn, programme)
        made = []
        for proposal in plan.proposals:
            offered = await _offer(
                conn,
                programme,
                plan.people[proposal.mentor_id],
                plan.people[proposal.mentee_id],
                proposal.reasons,
                now,
            )
            if offered is not None:
                made.append(proposal)
        plan.proposals = made
        plan.waiting = [p for p in made if not plan.reachable(p)]
        await audit.note(
            conn,
            viewer,
            audit.PLAN_APPLIED,
            now,
            programme_id=programme.id,
            after={"offers": len(plan.proposals), "waiting": len(plan.waiting)},
        )
    svc.outbox_wake()
    return plan


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NOT_YOURS = "not_yours"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Answered:
    outcome: Answer
    pairing: Pairing | None = None
    reoffered_to: Person | None = None
    mentee: Person | None = None


async def respond(svc: Services, viewer: Viewer, pairing_id: int, *, accept: bool) -> Answered:
    """The mentor's Accept / Decline. Only that mentor, only while the offer is open."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        pairing = await pairings.get_pairing(conn, pairing_id)
        if pairing is None or viewer.person is None or pairing.mentor_id != viewer.person.id:
            return Answered(Answer.NOT_YOURS)
        status = pairings.ACTIVE if accept else pairings.DECLINED
        if not await pairings.set_status(
            conn, pairing.id, status=status, now=now, expect=(pairings.OFFERED,)
        ):
            return Answered(Answer.STALE, pairing)
        programme = await programmes.get_programme(conn, pairing.programme_id)
        mentee = await people.get_person(conn, pairing.mentee_id)
        assert programme is not None
        assert mentee is not None
        if accept:
            await _tell(
                conn,
                mentee,
                "pair.paired_mentee",
                f"pair:{pairing.id}:paired",
                now,
                mentor=viewer.person.name,
                programme=programme.name,
            )
            await _forward_waiting(conn, viewer.person, mentee, programme, now)
            result = Answered(Answer.ACCEPTED, pairing, mentee=mentee)
        else:
            nxt = await _reoffer(conn, programme, mentee, now)
            await _tell_coordinators(
                svc,
                conn,
                _next_key("pair.declined_coordinator", nxt),
                f"pair:{pairing.id}:declined",
                now,
                mentor=viewer.person.name,
                mentee=mentee.name,
                next=nxt.name if nxt else "-",
            )
            result = Answered(Answer.DECLINED, pairing, nxt, mentee)
    svc.outbox_wake()
    return result


async def _forward_waiting(
    conn: AsyncConnection, mentor: Person, mentee: Person, programme: Programme, now: datetime
) -> None:
    """Reflections the mentee sent before having a mentor reach the mentor who accepts."""
    for reflection in await reflections.of_person(conn, mentee.id, programme.id):
        if reflection.status == reflections.SUBMITTED:
            await send_to_mentor(conn, mentor, mentee, programme, reflection, now=now, again=True)


def _next_key(key: str, nxt: Person | None) -> str:
    """The coordinators' notice, saying so when the next mentor cannot be reached yet."""
    return f"{key}_waiting" if nxt is not None and not reachable(nxt) else key


async def _lock_mentors(conn: AsyncConnection, programme: Programme) -> None:
    """Lock the programme's mentors' rows before their loads are counted and offers made
    (``storage.people.lock_mentors``): capacity holds whatever process offers."""
    await people.lock_mentors(conn, await programmes.members(conn, programme.id, "mentor"))


async def _reoffer(
    conn: AsyncConnection, programme: Programme, mentee: Person, now: datetime
) -> Person | None:
    await _lock_mentors(conn, programme)
    plan = await _plan(conn, programme, only={mentee.id})
    if not plan.proposals:
        return None
    proposal = plan.proposals[0]
    mentor = plan.people[proposal.mentor_id]
    if await _offer(conn, programme, mentor, mentee, proposal.reasons, now) is None:
        return None
    return mentor


async def expire_offers(svc: Services) -> int:
    """Offers unanswered past their window become expired and move to the next candidate."""
    now = svc.clock.now()
    count = 0
    async with svc.db.write() as conn:
        every = {p.id: p for p in await programmes.list_programmes(conn)}
        for pairing in await pairings.expired_offers(conn, now):
            programme = every[pairing.programme_id]
            if (
                pairing.offered_at is None
                or pairing.offered_at + timedelta(hours=programme.offer_hours) > now
            ):
                continue
            if not await pairings.set_status(
                conn, pairing.id, status=pairings.EXPIRED, now=now, expect=(pairings.OFFERED,)
            ):
                continue  # answered meanwhile (or expired by another process)
            mentee = await people.get_person(conn, pairing.mentee_id)
            mentor = await people.get_person(conn, pairing.mentor_id)
            assert mentee is not None
            assert mentor is not None
            nxt = await _reoffer(conn, programme, mentee, now)
            await _tell_coordinators(
                svc,
                conn,
                _next_key("pair.expired_coordinator", nxt),
                f"pair:{pairing.id}:expired",
                now,
                mentor=mentor.name,
                mentee=mentee.name,
                next=nxt.name if nxt else "-",
            )
            count += 1
    if count:
        svc.outbox_wake()
    return count


async def _tell(
    conn: AsyncConnection, person: Person, kind: str, dedup: str, now: datetime, **values: object
) -> None:
    """Queue a one-message notice (its kind is its catalogue key; see bot.presenter)."""
    await recipients.notify(conn, person, dedup=dedup, now=now, kind=kind, params=values)


async def _tell_coordinators(
    svc: Services, conn: AsyncConnection, kind: str, dedup: str, now: datetime, **values: object
) -> None:
    await recipients.notify_coordinators(svc, conn, dedup=dedup, now=now, kind=kind, params=values)


@dataclass(frozen=True, slots=True)
class PairView:
    """One pairing as a person sees it in /mentor or /mentees."""

    pairing: Pairing
    programme: Programme
    other: Person


async def my_pairs(svc: Services, viewer: Viewer, as_role: str) -> list[PairView]:
    """Current pairings where the viewer is the mentor (``mentor``) or the mentee."""
    if viewer.person is None:
        return []
    async with svc.db.read() as conn:
        if as_role == "mentor":
            found = await pairings.of_mentor(conn, viewer.person.id, pairings.CURRENT)
        else:
            found = await pairings.of_mentee(conn, viewer.person.id, pairings.CURRENT)
        views = []
        for pairing in found:
            programme = await programmes.get_programme(conn, pairing.programme_id)
            other_id = pairing.mentee_id if as_role == "mentor" else pairing.mentor_id
            other = await people.get_person(conn, other_id)
            assert programme is not None
            assert other is not None
            views.append(PairView(pairing, programme, other))
    return views


END_REASONS = ("done", "mismatch", "unavailable", "other")  # keys under pair.end_reason


async def _next_round(conn: AsyncConnection, prefix: str, suffix: object = None) -> str:
    """``prefix:<n>`` for the first round not queued yet: a pairing may be asked to end,
    kept, and asked again, and each round's notices need their own outbox key."""
    n = 1
    while await outbox.exists(
        conn, f"{prefix}:{n}" + (f":{suffix}" if suffix is not None else "")
    ):
        n += 1
    return f"{prefix}:{n}"


async def party_pairing(svc: Services, viewer: Viewer, pairing_id: int) -> PairView | None:
    """The active pairing if the viewer is one of its two people (who may ask to end it)."""
    me = viewer.person
    if me is None:
        return None
    async with svc.db.read() as conn:
        pairing = await pairings.get_pairing(conn, pairing_id)
        if (
            pairing is None
            or me.id not in (pairing.mentor_id, pairing.mentee_id)
            or pairing.status != pairings.ACTIVE
        ):
            return None
        programme = await programmes.get_programme(conn, pairing.programme_id)
        other = await people.get_person(
            conn, pairing.mentee_id if me.id == pairing.mentor_id else pairing.mentor_id
        )
    assert programme is not None
    assert other is not None
    return PairView(pairing, programme, other)


async def ask_to_end(
    svc: Services, viewer: Viewer, pairing_id: int, reason: str
) -> Pairing | None:
    """Either side may ask to end a pairing, for a reason; coordinators decide (they are
    told, with buttons to end or keep it)."""
    if reason not in END_REASONS:
        return None
    now = svc.clock.now()
    async with svc.db.write() as conn:
        pairing = await pairings.get_pairing(conn, pairing_id)
        me = viewer.person
        if (
            pairing is None
            or me is None
            or me.id not in (pairing.mentor_id, pairing.mentee_id)
            or pairing.status != pairings.ACTIVE
        ):
            return None
        if pairing.end_requested_by_id is not None:
            return pairing  # already asked (a double tap): coordinators were told once
        await pairings.request_end(conn, pairing.id, me.id, reason)
        mentor = await people.get_person(conn, pairing.mentor_id)
        mentee = await people.get_person(conn, pairing.mentee_id)
        assert mentor is not None
        assert mentee is not None
        told = await recipients.coordinators(svc, conn)
        key = await _next_round(
            conn, f"pair:{pairing.id}:endreq", told[0].telegram_id if told else 0
        )
        await _tell_coordinators(
            svc,
            conn,
            "pair.end_requested",
            key,
            now,
            pairing_id=pairing.id,
            who=me.name,
            mentor=mentor.name,
            mentee=mentee.name,
            reason=reason,
        )
    svc.outbox_wake()
    return pairing


async def request_mentor(svc: Services, viewer: Viewer) -> bool:
    """A mentee without a mentor asks for one; coordinators are told (once a day)."""
    me = viewer.person
    if me is None or "mentee" not in me.roles:
        return False
    now = svc.clock.now()
    async with svc.db.write() as conn:
        await _tell_coordinators(
            svc,
            conn,
            "pair.mentor_requested",
            f"mentor-request:{me.id}:{now.date().isoformat()}",
            now,
            mentee=me.name,
            unit=me.unit or "-",
        )
    svc.outbox_wake()
    return True


class ByHand(StrEnum):
    OFFERED = "offered"
    WAITING = "waiting"  # offered, but it cannot reach the mentor yet: sent when it can
    ENDED = "ended"
    KEPT = "kept"
    NOT_ALLOWED = "not_allowed"
    NOT_MEMBERS = "not_members"
    ALREADY_PAIRED = "already_paired"
    AT_CAPACITY = "at_capacity"
    NOT_FOUND = "not_found"


async def pair_by_hand(
    svc: Services, viewer: Viewer | None, programme: Programme, mentee_nip: str, mentor_nip: str
) -> ByHand:
    """A coordinator's own pair: offered to the mentor like any other, capacity enforced."""
    if viewer is not None and not viewer.is_coordinator:
        return ByHand.NOT_ALLOWED
    now = svc.clock.now()
    async with svc.db.write() as conn:
        mentee = await people.get_person_by_nip(conn, mentee_nip.strip())
        mentor = await people.get_person_by_nip(conn, mentor_nip.strip())
        if (
            mentee is None
            or mentor is None
            or mentee.id == mentor.id
            or mentee.id not in await programmes.members(conn, programme.id, "mentee")
            or mentor.id not in await programmes.members(conn, programme.id, "mentor")
        ):
            return ByHand.NOT_MEMBERS
        await people.lock_mentors(conn, [mentor.id])
        if await pairings.current_for_mentee(conn, programme.id, mentee.id):
            return ByHand.ALREADY_PAIRED
        if (await pairings.loads(conn)).get(mentor.id, 0) >= mentor.mentor_capacity:
            return ByHand.AT_CAPACITY
        if await _offer(conn, programme, mentor, mentee, ("manual",), now) is None:
            return ByHand.ALREADY_PAIRED
        await audit.note(
            conn,
            viewer,
            audit.PAIR_OFFERED,
            now,
            programme_id=programme.id,
            subject_person_id=mentee.id,
            after={"mentor": mentor.name, "status": pairings.OFFERED},
        )
    svc.outbox_wake()
    return ByHand.OFFERED if reachable(mentor) else ByHand.WAITING


async def end_pairing(
    svc: Services, viewer: Viewer | None, pairing_id: int, reason: str = "other"
) -> ByHand:
    """A coordinator ends a pairing (or withdraws an open offer), for a reason that is kept;
    both sides are told, with the reason."""
    if viewer is not None and not viewer.is_coordinator:
        return ByHand.NOT_ALLOWED
    if reason not in END_REASONS:
        return ByHand.NOT_FOUND
    now = svc.clock.now()
    async with svc.db.write() as conn:
        pairing = await pairings.get_pairing(conn, pairing_id)
        if pairing is None or not await pairings.set_status(
            conn,
            pairing.id,
            status=pairings.ENDED,
            now=now,
            expect=pairings.CURRENT,
            end_reason=reason,
        ):
            return ByHand.NOT_FOUND
        programme = await programmes.get_programme(conn, pairing.programme_id)
        mentor = await people.get_person(conn, pairing.mentor_id)
        mentee = await people.get_person(conn, pairing.mentee_id)
        assert programme is not None
        assert mentor is not None
        assert mentee is not None
        for person, other in ((mentor, mentee), (mentee, mentor)):
            await _tell(
                conn,
                person,
                "pair.ended_party",
                f"pair:{pairing.id}:ended:{person.id}",
                now,
                other=other.name,
                programme=programme.name,
                reason=reason,
            )
        await audit.note(
            conn,
            viewer,
            audit.PAIR_ENDED,
            now,
            programme_id=programme.id,
            subject_person_id=mentee.id,
            before={"mentor": mentor.name, "status": pairing.status},
            after={"mentor": mentor.name, "status": pairings.ENDED, "reason": reason},
        )
    svc.outbox_wake()
    return ByHand.ENDED


async def keep_pairing(svc: Services, viewer: Viewer, pairing_id: int) -> ByHand:
    """A coordinator keeps a pairing someone asked to end: the request is dropped and the
    one who asked is told (the other side never heard of it, so is not)."""
    if not viewer.is_coordinator:
        return ByHand.NOT_ALLOWED
    now = svc.clock.now()
    async with svc.db.write() as conn:
        pairing = await pairings.get_pairing(conn, pairing_id)
        if pairing is None or pairing.status != pairings.ACTIVE:
            return ByHand.NOT_FOUND
        asker_id = pairing.end_requested_by_id
        await pairings.clear_end_request(conn, pairing.id)
        await audit.note(
            conn,
            viewer,
            audit.PAIR_KEPT,
            now,
            programme_id=pairing.programme_id,
            subject_person_id=pairing.mentee_id,
            before={"end_asked": asker_id is not None, "reason": pairing.end_reason or "-"},
            after={"end_asked": False},
        )
        asker = await people.get_person(conn, asker_id) if asker_id else None
        if asker is not None:
            other_id = pairing.mentee_id if asker.id == pairing.mentor_id else pairing.mentor_id
            other = await people.get_person(conn, other_id)
            programme = await programmes.get_programme(conn, pairing.programme_id)
            assert other is not None
            assert programme is not None
            await _tell(
                conn,
                asker,
                "pair.kept_party",
                await _next_round(conn, f"pair:{pairing.id}:kept"),
                now,
                other=other.name,
                programme=programme.name,
            )
    svc.outbox_wake()
    return ByHand.KEPT


async def end_for_mentee(
    svc: Services, viewer: Viewer | None, programme: Programme, mentee_nip: str
) -> ByHand:
    async with svc.db.read() as conn:
        mentee = await people.get_person_by_nip(conn, mentee_nip.strip())
        current = (
            await pairings.current_for_mentee(conn, programme.id, mentee.id) if mentee else None
        )
    if current is None:
        return ByHand.NOT_FOUND
    return await end_pairing(svc, viewer, current.id)


class Changed(StrEnum):
    CHANGED = "changed"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_NIP = "unknown_nip"
    UNKNOWN_PROGRAMME = "unknown_programme"
    NOT_MENTEE = "not_mentee"  # not a mentee of that programme (or of any, if none named)
    WHICH_PROGRAMME = "which_programme"  # a mentee in several programmes: name one
    NOT_MENTOR = "not_mentor"  # the new mentor is not a mentor of that programme
    SAME_MENTOR = "same_mentor"
    INACTIVE = "inactive"  # the new mentor is marked inactive
    AT_CAPACITY = "at_capacity"
    ENDED_PROGRAMME = "ended_programme"


@dataclass(frozen=True, slots=True)
class Change:
    outcome: Changed
    programme: Programme | None = None
    mentee: Person | None = None
    mentor: Person | None = None
    old_mentor: Person | None = None
    choices: tuple[str, ...] = ()  # programme names to choose from (WHICH_PROGRAMME)


CHANGE_REASON = "reassigned"  # the end reason of the pairing a coordinator replaced


class _Raced(Exception):
    """Another process changed the mentee's pairing after this transaction looked."""


async def change_mentor(
    svc: Services,
    viewer: Viewer,
    mentee_nip: str,
    mentor_nip: str,
    programme: Programme | None = None,
) -> Change:
    """:func:`_change_mentor`; when another process changed the same pairing meanwhile,
    nothing of this attempt stays and it is judged again against what that one did."""
    try:
        return await _change_mentor(svc, viewer, mentee_nip, mentor_nip, programme)
    except _Raced:
        return await _change_mentor(svc, viewer, mentee_nip, mentor_nip, programme)


async def _change_mentor(
    svc: Services,
    viewer: Viewer,
    mentee_nip: str,
    mentor_nip: str,
    programme: Programme | None = None,
) -> Change:
    """A coordinator gives a mentee another mentor by hand: the current pairing (offered or
    active) ends with the reason ``reassigned`` and an *active* pairing with the new mentor
    starts at once (the coordinator agreed it with them). The new mentor must be a mentor
    of the programme with room left. Both mentors and the mentee are told; reflections
    waiting for review go to the new mentor. Without a programme, the mentee's only
    active one is meant."""
    if not viewer.is_coordinator:
        return Change(Changed.NOT_ALLOWED)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        mentee = await people.get_person_by_nip(conn, mentee_nip)
        mentor = await people.get_person_by_nip(conn, mentor_nip)
        if mentee is None or mentor is None:
            return Change(Changed.UNKNOWN_NIP)
        if programme is None:
            joined = [
                p
                for p in await programmes.programmes_of(conn, mentee.id, "mentee")
                if p.status == "active"
            ]
            if len(joined) > 1:
                return Change(Changed.WHICH_PROGRAMME, choices=tuple(p.name for p in joined))
            if not joined:
                return Change(Changed.NOT_MENTEE, mentee=mentee)
            programme = joined[0]
        if programme.status != "active":
            return Change(Changed.ENDED_PROGRAMME, programme, mentee, mentor)
        if mentee.id not in await programmes.members(conn, programme.id, "mentee"):
            return Change(Changed.NOT_MENTEE, programme, mentee, mentor)
        if mentor.id == mentee.id or mentor.id not in await programmes.members(
            conn, programme.id, "mentor"
        ):
            return Change(Changed.NOT_MENTOR, programme, mentee, mentor)
        if mentor.status == "inactive":
            return Change(Changed.INACTIVE, programme, mentee, mentor)
        await people.lock_mentors(conn, [mentor.id])
        current = await pairings.current_for_mentee(conn, programme.id, mentee.id)
        if current is not None and current.mentor_id == mentor.id:
            return Change(Changed.SAME_MENTOR, programme, mentee, mentor)
        if (await pairings.loads(conn)).get(mentor.id, 0) >= mentor.mentor_capacity:
            return Change(Changed.AT_CAPACITY, programme, mentee, mentor)
        old = await people.get_person(conn, current.mentor_id) if current else None
        if current is not None and not await pairings.set_status(
            conn,
            current.id,
            status=pairings.ENDED,
            now=now,
            expect=pairings.CURRENT,
            end_reason=CHANGE_REASON,
        ):
            raise _Raced  # rolls this transaction back
        pairing = await pairings.create_pairing(
            conn,
            programme_id=programme.id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            status=pairings.ACTIVE,
            reason="manual",
            now=now,
            clock_started=reachable(mentor),
        )
        if pairing is None:
            raise _Raced
        key, where = f"pair:{pairing.id}:changed", programme.name
        await _tell(
            conn, mentee, "pair.changed_mentee", f"{key}:mentee", now,
            mentor=mentor.name, programme=where,
        )  # fmt: skip
        await _tell(
            conn, mentor, "pair.changed_new_mentor", f"{key}:new", now,
            mentee=mentee.name, unit=mentee.unit or "-", programme=where,
        )  # fmt: skip
        if old is not None:
            await _tell(
                conn, old, "pair.changed_old_mentor", f"{key}:old", now,
                mentee=mentee.name, programme=where,
            )  # fmt: skip
        await _forward_waiting(conn, mentor, mentee, programme, now)
        await audit.note(
            conn,
            viewer,
            audit.PAIR_CHANGED,
            now,
            programme_id=programme.id,
            subject_person_id=mentee.id,
            before={"mentor": old.name if old else "-"},
            after={"mentor": mentor.name},
        )
    svc.outbox_wake()
    return Change(Changed.CHANGED, programme, mentee, mentor, old)
