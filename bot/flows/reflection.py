"""Writing the weekly reflection: one question at a time, every answer saved at once.

The step (which question, editing or not) is a ``conversations`` row and every answer goes
straight into the week's reflection row, so a restart, a day's break or another command
loses nothing: ``/refleksi`` resumes where the person stopped. Photos and documents sent
meanwhile are kept as evidence. Submitting sends the reflection (split below Telegram's
limit, evidence attached) to the paired mentor through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import limits, weeks
from bot.flows.hours import parse_minutes
from bot.flows.identity import Viewer
from bot.flows.services import Services
from bot.flows.templates import HOURS
from bot.flows.visible import visible_or_empty
from bot.text_split import utf16_len
from storage import (
    conversations,
    outbox,
    pairings,
    people,
    programmes,
    reflection_steps,
    reflections,
)
from storage.models import Conversation, Person, Programme, Reflection

FLOW = "reflect"
LONG_CHUNK = 3500  # UTF-16 units: a message this long was probably cut by the Telegram app
MAX_ANSWER = 20_000


class Mode(StrEnum):
    ASK = "ask"
    EDIT = "edit"
    MORE = "more"
    SUMMARY = "summary"


class Show(StrEnum):
    """What the handler should put on screen."""

    QUESTION = "question"
    MORE = "more"
    SUMMARY = "summary"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHOOSE = "choose"
    CHOOSE_WEEK = "choose_week"
    CHOOSE_REVISION = "choose_revision"
    NOT_MENTEE = "not_mentee"
    NO_PROGRAMME = "no_programme"
    INVALID_BUTTON = "invalid_button"
    NOT_ACTIVE = "not_active"
    SAVED = "saved"
    EVIDENCE = "evidence"


@dataclass(slots=True)
class Screen:
    show: Show
    reflection: Reflection | None = None
    programme: Programme | None = None
    index: int | None = None
    problem: str | None = None
    evidence: int = 0
    choices: list[Programme] = field(default_factory=list)
    has_mentor: bool = True


def _unanswered(programme: Programme, reflection: Reflection) -> int | None:
    for index in range(len(programme.questions)):
        if not reflection.answers.get(str(index)):
            return index
    return None


async def _save_step(
    svc: Services,
    conn: AsyncConnection,
    viewer: Viewer,
    reflection: Reflection,
    mode: Mode,
    index: int | None,
) -> None:
    await conversations.save_conversation(
        conn,
        viewer.telegram_id,
        flow=FLOW,
        step=mode.value,
        data={"reflection_id": reflection.id, "index": index},
        now=svc.clock.now(),
    )


async def _where_next(
    svc: Services,
    conn: AsyncConnection,
    viewer: Viewer,
    programme: Programme,
    reflection: Reflection,
) -> Screen:
    index = _unanswered(programme, reflection)
    if index is None:
        await _save_step(svc, conn, viewer, reflection, Mode.SUMMARY, None)
        return Screen(Show.SUMMARY, reflection, programme)
    await _save_step(svc, conn, viewer, reflection, Mode.ASK, index)
    return Screen(Show.QUESTION, reflection, programme, index)


async def _missed_last_week(
    conn: AsyncConnection, me: Person, programme: Programme, this_week: date
) -> date | None:
    """Last week, if it owed a reflection that was never sent (it may still be, late)."""
    last = this_week - timedelta(days=7)
    if last + timedelta(days=6) < programme.starts_on or not weeks.counts(
        last, programme.reflection_weekday, programme.starts_on
    ):
        return None
    found = await reflections.for_week(conn, programme.id, me.id, last)
    return last if found is None or found.status == reflections.DRAFT else None


async def open_week(
    svc: Services, viewer: Viewer, programme_id: int | None = None, week_offset: int | None = None
) -> Screen:
    """``/refleksi``: a reflection sent back for revision is offered first (whatever its
    week); else this week's, resumed where the person stopped; if last week's was never
    sent, the person chooses which week to write (last week's is late)."""
    me = viewer.person
    if me is None or "mentee" not in me.roles:
        return Screen(Show.NOT_MENTEE)
    now = svc.clock.now()
    today = weeks.local_date(now, me.timezone)
    async with svc.db.write() as conn:
        mine = [
            p
            for p in await programmes.programmes_of(conn, me.id, "mentee")
            if p.starts_on <= today and today <= p.ends_on and p.status == "active"
        ]
        if programme_id is not None:
            mine = [p for p in mine if p.id == programme_id]
        if not mine:
            return Screen(Show.NO_PROGRAMME)
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        revision = await _pending_revision(conn, me, mine) if week_offset is None else None
        if revision is not None:
            sent_back, its_programme = revision
            if conv and conv.flow == FLOW and conv.data.get("reflection_id") == sent_back.id:
                return await _resume(svc, conn, viewer, its_programme, sent_back, conv)
            return Screen(Show.CHOOSE_REVISION, sent_back, its_programme)
        if len(mine) > 1:
            return Screen(Show.CHOOSE, choices=mine)
        programme = mine[0]
        this_week = weeks.week_start(now, me.timezone)
        resuming = conv is not None and conv.flow == FLOW
        missed = await _missed_last_week(conn, me, programme, this_week)
        if week_offset is None and missed is not None and not resuming:
            current = await reflections.for_week(conn, programme.id, me.id, this_week)
            if current is None or current.status == reflections.DRAFT:
                return Screen(Show.CHOOSE_WEEK, programme=programme)
        if week_offset == 1 and missed is not None:
            week = missed
        elif resuming and conv is not None and week_offset is None:
            previous = await reflections.get_reflection(conn, int(conv.data["reflection_id"]))
            week = (
                previous.week_start
                if previous and previous.programme_id == programme.id
                else this_week
            )
        else:
            week = this_week
        reflection = await reflections.open_draft(conn, programme.id, me.id, week, now)
        return await _resume(svc, conn, viewer, programme, reflection, conv)


async def _resume(
    svc: Services,
    conn: AsyncConnection,
    viewer: Viewer,
    programme: Programme,
    reflection: Reflection,
    conv: Conversation | None,
) -> Screen:
    """Open ``reflection`` where its writer stopped (the question being edited, the next
    unanswered one, or the summary); ``conv`` is the open dialogue as read in this same
    transaction (nothing here writes it before this)."""
    if reflection.status == reflections.APPROVED:
        return Screen(Show.APPROVED, reflection, programme)
    if reflection.status == reflections.SUBMITTED:
        await _save_step(svc, conn, viewer, reflection, Mode.SUMMARY, None)
        return Screen(Show.SUMMARY, reflection, programme)
    if (
        conv
        and conv.flow == FLOW
        and conv.data.get("reflection_id") == reflection.id
        and conv.step in (Mode.EDIT, Mode.MORE)
    ):
        return Screen(
            Show.QUESTION if conv.step == Mode.EDIT else Show.MORE,
            reflection,
            programme,
            conv.data.get("index"),
        )
    return await _where_next(svc, conn, viewer, programme, reflection)


async def _pending_revision(
    conn: AsyncConnection, me: Person, mine: list[Programme]
) -> tuple[Reflection, Programme] | None:
    """The oldest reflection the mentor sent back for revision, whatever its week."""
    found = [
        (reflection, programme)
        for programme in mine
        for reflection in await reflections.of_person(conn, me.id, programme.id)
        if reflection.status == reflections.REVISION
    ]
    return min(found, key=lambda pair: pair[0].week_start) if found else None


async def open_reflection(svc: Services, viewer: Viewer, reflection_id: int) -> Screen:
    """The "Fix now" button under a revision request: that reflection, even when its week has ended
    (a revision asked for on Monday belongs to last week, not to the new one)."""
    async with svc.db.write() as conn:
        owned = await _owned(conn, viewer, reflection_id)
        if owned is None:
            return Screen(Show.INVALID_BUTTON)
        reflection, programme = owned
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        return await _resume(svc, conn, viewer, programme, reflection, conv)


async def _current(
    conn: AsyncConnection, viewer: Viewer
) -> tuple[Mode, int | None, Reflection, Programme] | None:
    """The reflection step open now: the dialogue, its reflection and programme read in one
    statement (``storage.reflection_steps``), in the caller's transaction."""
    if viewer.person is None:
        return None
    step = await reflection_steps.step_of(conn, viewer.telegram_id, FLOW)
    if step is None or step.conversation.flow != FLOW:
        return None
    conv, reflection, programme = step.conversation, step.reflection, step.programme
    if reflection is None or reflection.person_id != viewer.person.id:
        return None
    assert programme is not None
    return Mode(conv.step), conv.data.get("index"), reflection, programme


async def active(svc: Services, viewer: Viewer) -> bool:
    async with svc.db.read() as conn:
        return await _current(conn, viewer) is not None


async def answer(
    svc: Services, viewer: Viewer, text: str, message_id: int | None = None
) -> Screen:
    """A text message while writing: the answer to the current question (or its next part).

    The message id is recorded with an answer given in one message, so that editing that
    message later updates this answer (:func:`revise`); an answer in parts has none.
    """
    now = svc.clock.now()
    async with svc.db.write() as conn:
        found = await _current(conn, viewer)
        if found is None:
            return Screen(Show.NOT_ACTIVE)
        mode, index, reflection, programme = found
        if mode is Mode.SUMMARY or index is None:
            return Screen(
                Show.SUMMARY, reflection, programme, problem="reflect.problem.use_buttons"
            )
        question = programme.questions[index]
        cleaned = visible_or_empty(text)
        if mode is Mode.MORE and cleaned:
            # The Telegram app cut a long text at a space: join the parts with one.
            cleaned = f"{reflection.answers.get(str(index), '')} {cleaned}"
        cleaned, minutes, problem = _check(programme, index, cleaned)
        if problem is not None:
            return Screen(Show.QUESTION, reflection, programme, index, problem)
        in_parts = mode is Mode.MORE or (
            question.get("kind") != HOURS and utf16_len(text) >= LONG_CHUNK
        )
        reflection = await reflections.save_answer(
            conn,
            reflection.id,
            index,
            cleaned,
            now,
            minutes,
            message_id=None if in_parts else message_id,
            current=reflection,
        )
        if question.get("kind") != HOURS and utf16_len(text) >= LONG_CHUNK:
            await _save_step(svc, conn, viewer, reflection, Mode.MORE, index)
            return Screen(Show.MORE, reflection, programme, index)
        if mode is Mode.EDIT or (mode is Mode.MORE and _unanswered(programme, reflection) is None):
            await _save_step(svc, conn, viewer, reflection, Mode.SUMMARY, None)
            return Screen(Show.SUMMARY, reflection, programme)
        return await _where_next(svc, conn, viewer, programme, reflection)


def _check(programme: Programme, index: int, text: str) -> tuple[str, int | None, str | None]:
    """An answer to question ``index`` as stored (text, minutes), or the problem with it."""
    cleaned = visible_or_empty(text)
    if not cleaned:
        return cleaned, None, "reflect.problem.empty"
    if len(cleaned) > MAX_ANSWER:
        return cleaned, None, "reflect.problem.too_long"
    if programme.questions[index].get("kind") != HOURS:
        return cleaned, None, None
    minutes = parse_minutes(cleaned)
    if minutes is None:
        return cleaned, None, "reflect.problem.hours"
    if not 0 < minutes <= limits.MAX_WEEK_MINUTES:
        return cleaned, None, "reflect.problem.hours_range"
    return cleaned, minutes, None


@dataclass(slots=True)
class Revised:
    """An edited message that had answered a question of a reflection still being written."""

    reflection: Reflection
    programme: Programme
    index: int
    problem: str | None  # why the edit was not taken (the answer is unchanged)
    again: Screen | None  # the open step to show again, if the dialogue is on this one


async def revise(svc: Services, viewer: Viewer, message_id: int, text: str) -> Revised | None:
    """An edit of a message that answered a question: update that answer while the
    reflection is still open (draft or revision); None if it answered nothing open."""
    me = viewer.person
    if me is None:
        return None
    now = svc.clock.now()
    async with svc.db.write() as conn:
        found = [
            (reflection, reflection.answer_messages[str(message_id)])
            for reflection in await reflections.open_of_person(conn, me.id)
            if str(message_id) in reflection.answer_messages
        ]
        if not found:
            return None
        reflection, index = found[0]
        programme = await programmes.get_programme(conn, reflection.programme_id)
        assert programme is not None
        if not 0 <= index < len(programme.questions):
            return None
        cleaned, minutes, problem = _check(programme, index, text)
        if problem is None:
            reflection = await reflections.save_answer(
                conn,
                reflection.id,
                index,
                cleaned,
                now,
                minutes,
                message_id=message_id,
                current=reflection,
            )
        current = await _current(conn, viewer)
    again = None
    if current is not None and current[2].id == reflection.id:
        mode, at, _, _ = current
        if mode is Mode.MORE:
            again = Screen(Show.MORE, reflection, programme, at)
        elif mode is Mode.SUMMARY or at is None:
            again = Screen(Show.SUMMARY, reflection, programme)
        else:
            again = Screen(Show.QUESTION, reflection, programme, at)
    return Revised(reflection, programme, index, problem, again)


async def next_question(svc: Services, viewer: Viewer) -> Screen:
    """The "Next" button after a long answer: no more parts are coming."""
    async with svc.db.write() as conn:
        found = await _current(conn, viewer)
        if found is None or found[0] is not Mode.MORE:
            return Screen(Show.INVALID_BUTTON)
        _, _, reflection, programme = found
        return await _where_next(svc, conn, viewer, programme, reflection)


async def _owned(
    conn: AsyncConnection, viewer: Viewer, reflection_id: int
) -> tuple[Reflection, Programme] | None:
    """The viewer's own reflection named by a button, with its programme (one statement)."""
    found = await reflection_steps.with_programme(conn, reflection_id)
    if found is None or viewer.person is None or found[0].person_id != viewer.person.id:
        return None
    return found


async def edit(svc: Services, viewer: Viewer, reflection_id: int, index: int) -> Screen:
    """Edit one answer (from the summary); a submitted reflection goes back to draft."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        owned = await _owned(conn, viewer, reflection_id)
        if owned is None:
            return Screen(Show.INVALID_BUTTON)
        reflection, programme = owned
        if reflection.status == reflections.APPROVED:
            return Screen(Show.APPROVED, reflection, programme)
        if not 0 <= index < len(programme.questions):
            return Screen(Show.INVALID_BUTTON)
        if reflection.status == reflections.SUBMITTED and not await reflections.set_state(
            conn,
            reflection.id,
            status=reflections.DRAFT,
            now=now,
            expect=(reflections.SUBMITTED,),
        ):
            return await _changed_meanwhile(conn, reflection, programme)
        await _save_step(svc, conn, viewer, reflection, Mode.EDIT, index)
        return Screen(Show.QUESTION, reflection, programme, index)


async def add_evidence(
    svc: Services,
    viewer: Viewer,
    kind: str,
    file_id: str,
    unique_id: str | None,
    caption: str | None,
) -> Screen:
    """A photo or document sent while writing becomes evidence of this reflection."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        found = await _current(conn, viewer)
        if found is None:
            return Screen(Show.NOT_ACTIVE)
        mode, index, reflection, programme = found
        count = await reflections.add_evidence(
            conn,
            reflection.id,
            kind=kind,
            file_id=file_id,
            file_unique_id=unique_id,
            caption=(caption or "")[:1000] or None,
            now=now,
        )
    show = Show.SUMMARY if mode is Mode.SUMMARY else Show.QUESTION
    return Screen(Show.EVIDENCE, reflection, programme, index, evidence=count, problem=show.value)


async def stop(svc: Services, viewer: Viewer) -> bool:
    """Leave the reflection for now; the draft stays."""
    async with svc.db.write() as conn:
        if await _current(conn, viewer) is None:
            return False
        await conversations.clear_conversation(conn, viewer.telegram_id)
    return True


async def submit(svc: Services, viewer: Viewer, reflection_id: int) -> Screen:
    """Send the reflection to the mentor (a new version if it was sent before)."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        owned = await _owned(conn, viewer, reflection_id)
        if owned is None or viewer.person is None:
            return Screen(Show.INVALID_BUTTON)
        reflection, programme = owned
        if reflection.status in (reflections.SUBMITTED, reflections.APPROVED):
            return Screen(
                Show.SUBMITTED if reflection.status == reflections.SUBMITTED else Show.APPROVED,
                reflection,
                programme,
            )
        if _unanswered(programme, reflection) is not None:
            return Screen(
                Show.SUMMARY, reflection, programme, problem="reflect.problem.incomplete"
            )
        version = reflection.version + 1 if reflection.submitted_at else reflection.version
        # Punctuality is the first sending's: a revision the mentor asks for on Monday does
        # not make a reflection sent on time late.
        late = (
            reflection.late
            if reflection.submitted_at
            else weeks.counts(
                reflection.week_start, programme.reflection_weekday, programme.starts_on
            )
            and now
            > weeks.due_at(
                reflection.week_start, programme.reflection_weekday, viewer.person.timezone
            )
        )
        if not await reflections.set_state(
            conn,
            reflection.id,
            status=reflections.SUBMITTED,
            now=now,
            expect=(reflections.DRAFT, reflections.REVISION),
            version=version,
            late=late,
            submitted_at=now,
        ):
            return await _changed_meanwhile(conn, reflection, programme)
        await conversations.clear_conversation(conn, viewer.telegram_id)
        sent = await reflections.get_reflection(conn, reflection.id)
        assert sent is not None
        pairing = await pairings.current_for_mentee(conn, programme.id, viewer.person.id)
        has_mentor = pairing is not None and pairing.status == pairings.ACTIVE
        if pairing is not None and has_mentor:
            mentor = await people.get_person(conn, pairing.mentor_id)
            if mentor is not None and mentor.telegram_id is not None:
                await send_to_mentor(conn, mentor, viewer.person, programme, sent)
    svc.outbox_wake()
    return Screen(Show.SUBMITTED, sent, programme, has_mentor=has_mentor)


async def _changed_meanwhile(
    conn: AsyncConnection, reflection: Reflection, programme: Programme
) -> Screen:
    """The status UPDATE changed no row: it was sent, approved or sent back in the
    meantime (another press, another process). Nothing else changes; show where it is."""
    now_stored = await reflections.get_reflection(conn, reflection.id) or reflection
    if now_stored.status == reflections.APPROVED:
        return Screen(Show.APPROVED, now_stored, programme)
    if now_stored.status == reflections.SUBMITTED:
        return Screen(Show.SUBMITTED, now_stored, programme)
    return Screen(Show.SUMMARY, now_stored, programme)


async def send_to_mentor(
    conn: AsyncConnection,
    mentor: Person,
    mentee: Person,
    programme: Programme,
    reflection: Reflection,
    *,
    now: datetime | None = None,
    again: bool = False,
) -> None:
    """Queue the reflection for its mentor: evidence first, then the text (buttons last).

    Both are notices (``bot.presenter.reflection``): what was sent is kept as facts and
    worded, in the mentor's language, when it goes out. ``again`` (from /review) uses fresh
    outbox keys so it is really sent a second time.
    """
    now = now or reflection.submitted_at
    assert now is not None
    key = f"rf:{reflection.id}:v{reflection.version}"
    if again:
        key += f":again:{now.isoformat()}"
    for number, evidence in enumerate(await reflections.evidence_of(conn, reflection.id), 1):
        await outbox.enqueue(
            conn,
            dedup_key=f"{key}:ev{evidence.id}",
            chat_id=mentor.telegram_id or 0,
            person_id=mentor.id,
            now=now,
            media=(evidence.kind, evidence.telegram_file_id),
            kind="reflection.evidence",
            params={"number": number, "mentee": mentee.name, "caption": evidence.caption or ""},
        )
    await outbox.enqueue(
        conn,
        dedup_key=f"{key}:copy",
        chat_id=mentor.telegram_id or 0,
        person_id=mentor.id,
        now=now,
        kind="reflection.copy",
        params={
            "reflection_id": reflection.id,
            "version": reflection.version,
            "mentee": mentee.name,
            "programme": programme.name,
            "week_start": reflection.week_start.isoformat(),
            "late": reflection.late,
            "questions": list(programme.questions),
            "answers": dict(reflection.answers),
            "minutes": reflection.minutes,
        },
    )
