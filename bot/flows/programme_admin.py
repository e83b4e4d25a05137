"""A coordinator manages a programme in chat: edit its questions or milestones, end it.

Editing is a dialogue (``progedit``): the coordinator picks what to edit, the bot shows
the current list and asks for the new one, one item per line; the step is a
``conversations`` row, so a restart keeps it. The new list goes through the same
validation as the command line (:func:`bot.flows.programmes.set_questions` and
``set_milestones``), which also write the audit entry.

Ending a programme ends its current pairings (reason ``programme_ended``), tells every
member, and stops what the programme asked of people: reflections and their nudges look
only at active programmes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.flows import audit, recipients
from bot.flows import programmes as programme_flow
from bot.flows.identity import Viewer
from bot.flows.programmes import Edited
from bot.flows.services import Services
from storage import conversations, pairings, people, programmes
from storage.models import Milestone, Programme

FLOW = "progedit"
QUESTIONS = "questions"
MILESTONES = "milestones"
ENDED = "ended"
END_REASON = "programme_ended"  # a key under pair.end_reason


@dataclass(slots=True)
class EditScreen:
    """What the coordinator sees: the programme, its items before (and after) the edit."""

    outcome: str  # "ask", "done", an Edited value, "not_allowed", "not_found", "ended"
    what: str = QUESTIONS
    programme: Programme | None = None
    questions_before: list[dict[str, object]] = field(default_factory=list)
    milestones_before: list[Milestone] = field(default_factory=list)
    questions_after: list[dict[str, object]] = field(default_factory=list)
    milestones_after: list[Milestone] = field(default_factory=list)


async def _programme(svc: Services, programme_id: int) -> tuple[Programme | None, list[Milestone]]:
    async with svc.db.read() as conn:
        programme = await programmes.get_programme(conn, programme_id)
        found = await programmes.milestones_of(conn, programme_id) if programme else []
    return programme, found


async def card(svc: Services, viewer: Viewer, programme_id: int) -> EditScreen:
    """The programme with its questions and milestones, before a coordinator picks."""
    if not viewer.is_coordinator:
        return EditScreen("not_allowed")
    programme, found = await _programme(svc, programme_id)
    if programme is None:
        return EditScreen("not_found")
    return EditScreen("ask", QUESTIONS, programme, programme.questions, found)


async def begin_edit(svc: Services, viewer: Viewer, programme_id: int, what: str) -> EditScreen:
    """Open the edit dialogue for ``what`` (questions or milestones) of an active programme."""
    if not viewer.is_coordinator or what not in (QUESTIONS, MILESTONES):
        return EditScreen("not_allowed")
    programme, found = await _programme(svc, programme_id)
    if programme is None:
        return EditScreen("not_found")
    if programme.status == ENDED:
        return EditScreen("ended", what, programme)
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn,
            viewer.telegram_id,
            flow=FLOW,
            step=what,
            data={"programme_id": programme.id},
            now=svc.clock.now(),
        )
    return EditScreen("ask", what, programme, programme.questions, found)


async def answer_edit(svc: Services, viewer: Viewer, text: str) -> EditScreen:
    """The new list, one item per line. A refusal keeps the step open (to try again);
    success closes it and shows before and after."""
    async with svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
    if conv is None or conv.flow != FLOW or not viewer.is_coordinator:
        return EditScreen("not_allowed")
    what = conv.step
    programme, before = await _programme(svc, int(conv.data.get("programme_id", 0)))
    if programme is None or programme.status == ENDED:
        async with svc.db.write() as conn:
            await conversations.clear_conversation(conn, viewer.telegram_id)
        return EditScreen("not_found" if programme is None else "ended", what, programme)
    change = programme_flow.set_questions if what == QUESTIONS else programme_flow.set_milestones
    outcome = await change(svc, programme, text.splitlines(), viewer)
    screen = EditScreen(outcome.value, what, programme, programme.questions, before)
    if outcome not in (Edited.DONE, Edited.HAS_REFLECTIONS):
        return screen  # a problem with the text: the step stays open to send it again
    async with svc.db.write() as conn:
        await conversations.clear_conversation(conn, viewer.telegram_id)
    if outcome is Edited.HAS_REFLECTIONS:
        return screen  # no text would do: the step closes
    after, found = await _programme(svc, programme.id)
    screen.outcome = "done"
    screen.questions_after = after.questions if after else []
    screen.milestones_after = found
    return screen


class Ending(StrEnum):
    ENDED = "ended"
    ALREADY = "already"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class EndResult:
    outcome: Ending
    programme: Programme | None = None
    pairings_ended: int = 0
    told: int = 0


async def end_programme(svc: Services, viewer: Viewer, programme_id: int) -> EndResult:
    """End a programme (after the coordinator confirmed): its current pairings end with
    the reason ``programme_ended``, every member is told, and the change is audited."""
    if not viewer.is_coordinator:
        return EndResult(Ending.NOT_ALLOWED)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        programme = await programmes.get_programme(conn, programme_id)
        if programme is None:
            return EndResult(Ending.NOT_FOUND)
        if not await programmes.set_status(conn, programme.id, ENDED):
            return EndResult(Ending.ALREADY, programme)
        ended = 0
        for pairing in await pairings.of_programme(conn, programme.id):
            ended += await pairings.set_status(
                conn,
                pairing.id,
                status=pairings.ENDED,
                now=now,
                expect=pairings.CURRENT,
                end_reason=END_REASON,
            )
        member_ids = {
            person_id
            for role in ("mentee", "mentor")
            for person_id in await programmes.members(conn, programme.id, role)
        }
        told = 0
        for person in await people.get_people(conn, sorted(member_ids)):
            told += await recipients.notify(
                conn,
                person,
                dedup=f"programme:{programme.id}:ended:{person.id}",
                now=now,
                kind="programme.ended_member",
                params={"programme": programme.name},
            )
        await audit.note(
            conn,
            viewer,
            audit.PROGRAMME_ENDED,
            now,
            programme_id=programme.id,
            before={"status": programme.status},
            after={"status": ENDED, "pairings_ended": ended},
        )
    svc.outbox_wake()
    return EndResult(Ending.ENDED, programme, ended, told)
