"""Self-registration for people not on the roster: NIP, name, unit, then a join request.

Each answer is saved the moment it arrives (a ``conversations`` row), so a restart, a pause
or a crash resumes at the same step. Coordinators decide in :mod:`bot.flows.join_requests`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.flows import recipients
from bot.flows.identity import Viewer
from bot.flows.nip import clean_nip, nip_problem
from bot.flows.services import Services
from storage import conversations, join_requests, people
from storage.models import JoinRequest

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


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    step: Step | None = None
    problem: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    request: JoinRequest | None = None
    notified: int = 0


async def active_step(svc: Services, telegram_id: int) -> Result | None:
    """The step this account is at, if it is registering."""
    async with svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, telegram_id)
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
    name = " ".join(text.split())
    if len(name) < NAME_MIN:
        return name, "register.problem.name_short"
    if len(name) > NAME_MAX:
        return name, "register.problem.name_long"
    if not any(ch.isalpha() for ch in name):
        return name, "register.problem.name_letters"
    return name, None


def _check_unit(text: str) -> tuple[str, str | None]:
    unit = " ".join(text.split())
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


async def answer(svc: Services, viewer: Viewer, text: str) -> Result:
    """Take the text answer to the current step; save it and move on, or explain."""
    current = await active_step(svc, viewer.telegram_id)
    if current is None or current.step is None:
        return Result(Outcome.NOT_ACTIVE)
    step = current.step
    if step is Step.CONFIRM:
        return Result(Outcome.INVALID, step, "register.problem.use_buttons", current.data)
    if step is Step.NIP:
        value, problem = await _check_nip(svc, text, viewer.telegram_id)
    elif step is Step.NAME:
        value, problem = _check_name(text)
    else:
        value, problem = _check_unit(text)
    if problem is not None:
        return Result(Outcome.INVALID, step, problem, current.data)
    data = {**current.data, step.value: value}
    following = _NEXT[step]
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn, viewer.telegram_id, flow=FLOW, step=following, data=data, now=svc.clock.now()
        )
    return Result(Outcome.ASK, following, data=data)


async def cancel(svc: Services, telegram_id: int) -> bool:
    """Drop a half-done registration; False if there was none."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, telegram_id)
        if conv is None or conv.flow != FLOW:
            return False
        await conversations.clear_conversation(conn, telegram_id)
    return True


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
        on_roster = await people.get_person_by_nip(conn, request.nip)
        notified = await recipients.notify_coordinators(
            svc,
            conn,
            dedup=f"join:{request.id}:notify",
            now=now,
            kind="join.request",
            params={
                "request_id": request.id,
                "name": request.name,
                "nip": request.nip,
                "unit": request.unit,
                "roster_name": on_roster.name if on_roster else "",
            },
        )
    svc.outbox_wake()
    return Result(Outcome.FILED, request=request, notified=notified)
