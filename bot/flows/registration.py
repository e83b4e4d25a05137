"""Self-registration for people not on the roster: NIP, name, unit, then a join request.

Each answer is saved the moment it arrives (a ``conversations`` row), so a restart, a pause
or a crash resumes at the same step. Coordinators decide in :mod:`bot.flows.join_requests`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import identity, recipients
from bot.flows.identity import Viewer
from bot.flows.nip import clean_nip, nip_problem
from bot.flows.services import Services
from bot.flows.visible import visible_or_empty
from storage import conversations, invites, join_requests, people
from storage.models import JoinRequest, Person

FLOW = "register"
NAME_MIN, NAME_MAX = 3, 100
UNIT_MIN, UNIT_MAX = 2, 150
ROLES_ON_APPROVAL = ("mentee", "mentor", "supervisor")


class Step(StrEnum):
    NIP = "nip"
    NAME = "name"
    UNIT = "unit"
    CONFIRM = "confirm"


_NEXT = {Step.NIP: Step.NAME, Step.NAME: Step.UNIT, Step.UNIT: Step.CONFIRM}


class Outcome(StrEnum):
    ASK = "ask"  # ask the question of ``step``
    INVALID = "invalid"  # the answer was rejected; ``problem`` says why, same step again
    ALREADY_MEMBER = "already_member"
    ALREADY_PENDING = "already_pending"
    FILED = "filed"
    CANCELLED = "cancelled"
    NOT_ACTIVE = "not_active"
    REVISED = "revised"  # an edited earlier answer (``edited``) was checked, maybe updated


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    step: Step | None = None
    problem: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    request: JoinRequest | None = None
    notified: int = 0
    edited: Step | None = None


async def active_step(svc: Services, telegram_id: int) -> Result | None:
    """The step this account is at, if it is registering."""
    conv = (await identity.account(svc, telegram_id)).conversation
    if conv is None or conv.flow != FLOW:
        return None
    return Result(Outcome.ASK, Step(conv.step), data=conv.data)


async def begin(svc: Services, viewer: Viewer) -> Result:
    """Start (or resume) registration for a stranger."""
    if viewer.known:
        return Result(Outcome.ALREADY_MEMBER)
    resumed = await active_step(svc, viewer.telegram_id)
    if resumed is not None:
        return resumed
    async with svc.db.write() as conn:
        pending = await join_requests.pending_for_telegram(conn, viewer.telegram_id)
        if pending is not None:
            return Result(Outcome.ALREADY_PENDING, request=pending)
        await conversations.save_conversation(
            conn, viewer.telegram_id, flow=FLOW, step=Step.NIP, data={}, now=svc.clock.now()
        )
    return Result(Outcome.ASK, Step.NIP)


def _check_name(text: str) -> tuple[str, str | None]:
    name = " ".join(visible_or_empty(text).split())
    if len(name) < NAME_MIN:
        return name, "register.problem.name_short"
    if len(name) > NAME_MAX:
        return name, "register.problem.name_long"
    if not any(ch.isalpha() for ch in name):
        return name, "register.problem.name_letters"
    return name, None


def _check_unit(text: str) -> tuple[str, str | None]:
    unit = " ".join(visible_or_empty(text).split())
    if len(unit) < UNIT_MIN:
        return unit, "register.problem.unit_short"
    if len(unit) > UNIT_MAX:
        return unit, "register.problem.unit_long"
    return unit, None


async def _check_nip(svc: Services, text: str, telegram_id: int) -> tuple[str, str | None]:
    nip = clean_nip(text)
    problem = nip_problem(nip)
    if problem is not None:
        return nip, f"nip.{problem.value}"
    async with svc.db.read() as conn:
        holder = await people.get_person_by_nip(conn, nip)
    if holder is not None and holder.telegram_id not in (None, telegram_id):
        return nip, "register.problem.nip_taken"
    return nip, None


async def _problem(svc: Services, viewer: Viewer, step: Step, text: str) -> tuple[str, str | None]:
    if step is Step.NIP:
        return await _check_nip(svc, text, viewer.telegram_id)
    if step is Step.NAME:
        return _check_name(text)
    return _check_unit(text)


async def answer(
    svc: Services, viewer: Viewer, text: str, message_id: int | None = None
) -> Result:
    """Take the text answer to the current step; save it and move on, or explain.

    The message that gave each answer is remembered (``data["messages"]``), so that an
    edit of it updates that answer (:func:`revise`) rather than answering the open step.
    """
    current = await active_step(svc, viewer.telegram_id)
    if current is None or current.step is None:
        return Result(Outcome.NOT_ACTIVE)
    step = current.step
    if step is Step.CONFIRM:
        return Result(Outcome.INVALID, step, "register.problem.use_buttons", current.data)
    value, problem = await _problem(svc, viewer, step, text)
    if problem is not None:
        return Result(Outcome.INVALID, step, problem, current.data)
    data = {**current.data, step.value: value}
    if message_id is not None:
        data["messages"] = {**current.data.get("messages", {}), step.value: message_id}
    following = _NEXT[step]
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn, viewer.telegram_id, flow=FLOW, step=following, data=data, now=svc.clock.now()
        )
    return Result(Outcome.ASK, following, data=data)


async def revise(svc: Services, viewer: Viewer, message_id: int, text: str) -> Result | None:
    """An edit of a message that answered a step of a registration not yet filed: check it
    like an answer and update that step (``REVISED``; ``problem`` set and nothing changed
    if it is not acceptable). None if the message answered no step of it."""
    current = await active_step(svc, viewer.telegram_id)
    if current is None or current.step is None:
        return None
    messages = current.data.get("messages", {})
    edited = next((Step(s) for s, m in messages.items() if m == message_id), None)
    if edited is None:
        return None
    value, problem = await _problem(svc, viewer, edited, text)
    if problem is not None:
        return Result(Outcome.REVISED, current.step, problem, current.data, edited=edited)
    data = {**current.data, edited.value: value}
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn, viewer.telegram_id, flow=FLOW, step=current.step, data=data, now=svc.clock.now()
        )
    return Result(Outcome.REVISED, current.step, None, data, edited=edited)


async def cancel(svc: Services, telegram_id: int) -> bool:
    """Drop a half-done registration; False if there was none."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, telegram_id)
        if conv is None or conv.flow != FLOW:
            return False
        await conversations.clear_conversation(conn, telegram_id)
    return True


@dataclass(frozen=True, slots=True)
class RosterMatch:
    """The roster entry a request's NIP names, and whether that person still holds an
    unused invite (then the applicant is likely someone else using their NIP)."""

    person: Person | None = None
    invite_open: bool = False


async def roster_match(conn: AsyncConnection, nip: str) -> RosterMatch:
    person = await people.get_person_by_nip(conn, nip)
    if person is None:
        return RosterMatch()
    unused = person.telegram_id is None and await invites.has_unused_invite(conn, person.id)
    return RosterMatch(person, unused)


def request_facts(request: JoinRequest, match: RosterMatch) -> dict[str, Any]:
    """What a coordinator's card about a request says (``bot.presenter.join`` words it)."""
    return {
        "request_id": request.id,
        "name": request.name,
        "nip": request.nip,
        "unit": request.unit,
        "roster_name": match.person.name if match.person else "",
        "invite_open": match.invite_open,
    }


async def confirm(svc: Services, viewer: Viewer) -> Result:
    """File the join request and queue a note with buttons to every coordinator."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != FLOW or conv.step != Step.CONFIRM:
            return Result(Outcome.NOT_ACTIVE)
        request = await join_requests.create_request(
            conn,
            telegram_id=viewer.telegram_id,
            nip=conv.data["nip"],
            name=conv.data["name"],
            unit=conv.data["unit"],
            language=viewer.language,
            now=now,
        )
        await conversations.clear_conversation(conn, viewer.telegram_id)
        match = await roster_match(conn, request.nip)
        notified = await recipients.notify_coordinators(
            svc,
            conn,
            dedup=f"join:{request.id}:notify",
            now=now,
            kind="join.request",
            params=request_facts(request, match),
        )
    svc.outbox_wake()
    return Result(Outcome.FILED, request=request, notified=notified)
