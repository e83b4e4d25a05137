"""Creating a programme in chat, step by step (coordinators only).

Name, kind (template), start and end dates, the weekly reflection day, and who takes part
(everyone on the roster, or one work unit). Each answer is saved as it arrives, like every
dialogue; the last step shows a summary to confirm, then :func:`programmes.create` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from bot.flows import limits, weeks
from bot.flows import programmes as programme_flow
from bot.flows.identity import Viewer
from bot.flows.programmes import NewProgramme
from bot.flows.services import Services
from bot.flows.templates import KINDS
from bot.flows.visible import visible_or_empty
from storage import conversations, people
from storage.models import Programme

FLOW = "newprog"
ALL_UNITS = "*"
DEFAULT_WEEKS = 12


class Step(StrEnum):
    NAME = "name"
    KIND = "kind"
    START = "start"
    END = "end"
    DAY = "day"
    MEMBERS = "members"
    CONFIRM = "confirm"


ORDER = list(Step)


@dataclass(slots=True)
class Screen:
    step: Step | None
    data: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    units: list[str] = field(default_factory=list)
    created: Programme | None = None
    counts: tuple[int, int] = (0, 0)
    not_allowed: bool = False
    invalid: bool = False


async def _units(svc: Services) -> list[str]:
    async with svc.db.read() as conn:
        return sorted({p.unit for p in await people.all_people(conn) if p.unit})


async def _save(svc: Services, viewer: Viewer, step: Step, data: dict[str, Any]) -> Screen:
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn, viewer.telegram_id, flow=FLOW, step=step.value, data=data, now=svc.clock.now()
        )
    return Screen(step, data, units=await _units(svc) if step is Step.MEMBERS else [])


async def begin(svc: Services, viewer: Viewer) -> Screen:
    if not viewer.is_coordinator:
        return Screen(None, not_allowed=True)
    return await _save(svc, viewer, Step.NAME, {})


async def _state(svc: Services, viewer: Viewer) -> tuple[Step, dict[str, Any]] | None:
    async with svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
    if conv is None or conv.flow != FLOW or not viewer.is_coordinator:
        return None
    return Step(conv.step), dict(conv.data)


async def answer(
    svc: Services, viewer: Viewer, value: str, *, from_button: bool = False
) -> Screen:
    """Typed text or a button's value for the current step."""
    state = await _state(svc, viewer)
    if state is None:
        return Screen(None, invalid=True)
    step, data = state
    today = weeks.local_date(svc.clock.now(), viewer.timezone)
    value = value.strip()
    problem = None
    if step is Step.NAME:
        name = " ".join(visible_or_empty(value).split())
        if not 3 <= len(name) <= 100:
            problem = "wizard.problem.name"
        elif await programme_flow.by_name(svc, name):
            problem = "wizard.problem.name_taken"
        else:
            data["name"] = name
    elif step is Step.KIND:
        if value not in KINDS or not from_button:
            problem = "wizard.problem.use_buttons"
        else:
            data["kind"] = value
    elif step is Step.START:
        start = today if value == "today" and from_button else weeks.parse_date(value)
        if start is None:
            problem = "wizard.problem.date"
        elif abs((start - today).days) > limits.MAX_START_DAYS_AWAY:
            problem = "wizard.problem.start_range"
        else:
            data["start"] = start.isoformat()
    elif step is Step.END:
        start = date.fromisoformat(data["start"])
        end = (
            start + timedelta(weeks=DEFAULT_WEEKS) - timedelta(days=1)
            if (value == "default" and from_button)
            else weeks.parse_date(value)
        )
        if end is None:
            problem = "wizard.problem.date"
        elif end < start or (end - start).days > programme_flow.MAX_DAYS:
            problem = "wizard.problem.end"
        else:
            data["end"] = end.isoformat()
    elif step is Step.DAY:
        if not from_button or value not in {"0", "1", "2", "3", "4"}:
            problem = "wizard.problem.use_buttons"
        else:
            data["day"] = int(value)
    elif step is Step.MEMBERS:
        units = await _units(svc)
        chosen = value == ALL_UNITS or (value.isdigit() and int(value) < len(units))
        if not (from_button and chosen):
            problem = "wizard.problem.use_buttons"
        else:
            data["unit"] = ALL_UNITS if value == ALL_UNITS else units[int(value)]
    else:
        problem = "wizard.problem.use_buttons"
    if problem is not None:
        screen = Screen(
            step, data, problem, units=await _units(svc) if step is Step.MEMBERS else []
        )
        return screen
    return await _save(svc, viewer, ORDER[ORDER.index(step) + 1], data)


async def confirm(svc: Services, viewer: Viewer) -> Screen:
    state = await _state(svc, viewer)
    if state is None or state[0] is not Step.CONFIRM:
        return Screen(None, invalid=True)
    _, data = state
    async with svc.db.read() as conn:
        everyone = await people.all_people(conn)
    nips = tuple(
        p.nip
        for p in everyone
        if p.nip
        and (data["unit"] == ALL_UNITS or p.unit == data["unit"])
        and (
            {"mentee", "mentor"} & p.roles
            or (data["kind"] == "latsar" and "supervisor" in p.roles)
        )
    )
    created = await programme_flow.create(
        svc,
        NewProgramme(
            name=data["name"],
            kind=data["kind"],
            starts_on=date.fromisoformat(data["start"]),
            ends_on=date.fromisoformat(data["end"]),
            reflection_weekday=int(data["day"]),
            member_nips=nips,
        ),
        viewer,
    )
    if created.programme is None:
        return Screen(Step.NAME, {}, "wizard.problem.name_taken")
    async with svc.db.write() as conn:
        await conversations.clear_conversation(conn, viewer.telegram_id)
    return Screen(None, data, created=created.programme, counts=(created.mentees, created.mentors))
