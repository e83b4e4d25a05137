"""Mentors review reflections in chat: approve, comment, or ask for a revision.

Only the mentor actively paired with the mentee in that programme may review, and only the
version they were sent: an old button, a second approval or someone else's forged button
changes nothing and gets a polite answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import recipients
from bot.flows.identity import Viewer
from bot.flows.reflection import send_to_mentor
from bot.flows.services import Services
from bot.flows.visible import visible_or_empty
from storage import conversations, pairings, people, programmes, reflection_steps, reflections
from storage.models import Conversation, Person, Programme, Reflection

log = logging.getLogger(__name__)
FLOW = "review"
MAX_COMMENT = 3000


class Reviewed(StrEnum):
    APPROVED = "approved"
    ASK_TEXT = "ask_text"
    SENT = "sent"
    ALREADY_APPROVED = "already_approved"
    STALE = "stale"
    NOT_ALLOWED = "not_allowed"
    NOT_ACTIVE = "not_active"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    HELD = "held"  # the dialogue was stale: the text waits for a yes before it is sent
    DROPPED = "dropped"  # a held text was not confirmed: nothing was sent


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Reviewed
    reflection: Reflection | None = None
    mentee: Person | None = None
    decision: str | None = None
    text: str | None = None


async def _check(
    conn: AsyncConnection, viewer: Viewer, reflection_id: int
) -> tuple[Reflection, Person, Programme] | None:
    """The reflection, its mentee and programme, if the viewer is its active mentor (the
    reflection and its programme in one statement)."""
    found = await reflection_steps.with_programme(conn, reflection_id)
    if found is None or viewer.person is None:
        return None
    reflection, programme = found
    pairing = await pairings.current_for_mentee(
        conn, reflection.programme_id, reflection.person_id
    )
    if (
        pairing is None
        or pairing.status != pairings.ACTIVE
        or pairing.mentor_id != viewer.person.id
    ):
        return None
    mentee = await people.get_person(conn, reflection.person_id)
    assert mentee is not None
    return reflection, mentee, programme


async def decide(
    svc: Services, viewer: Viewer, reflection_id: int, version: int, decision: str
) -> Outcome:
    """A review button: ``ok`` approves at once, ``cm`` / ``rev`` ask the mentor for text."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        found = await _check(conn, viewer, reflection_id)
        if found is None:
            log.warning(
                "review of reflection %s refused for %s", reflection_id, viewer.telegram_id
            )
            return Outcome(Reviewed.NOT_ALLOWED)
        reflection, mentee, programme = found
        if reflection.status == reflections.APPROVED:
            return Outcome(Reviewed.ALREADY_APPROVED, reflection, mentee)
        if reflection.status != reflections.SUBMITTED or reflection.version != version:
            return Outcome(Reviewed.STALE, reflection, mentee)
        if decision == "ok":
            if not await reflections.set_state(
                conn,
                reflection.id,
                status=reflections.APPROVED,
                now=now,
                expect=(reflections.SUBMITTED,),
                expect_version=version,
                reviewed_at=now,
            ):
                return await _changed_meanwhile(conn, reflection, mentee)
            assert viewer.person is not None
            await reflections.add_review(
                conn,
                reflection_id=reflection.id,
                reviewer_id=viewer.person.id,
                version=version,
                decision="approve",
                comment=None,
                now=now,
            )
            await _tell_mentee(
                conn,
                mentee,
                "review.approved",
                reflection,
                programme,
                now,
                mentor=viewer.person.name,
            )
            result = Outcome(Reviewed.APPROVED, reflection, mentee)
        else:
            await conversations.save_conversation(
                conn,
                viewer.telegram_id,
                flow=FLOW,
                step=decision,
                data={"reflection_id": reflection.id, "version": version},
                now=now,
            )
            return Outcome(Reviewed.ASK_TEXT, reflection, mentee, decision)
    svc.outbox_wake()
    return result


async def _changed_meanwhile(
    conn: AsyncConnection, reflection: Reflection, mentee: Person
) -> Outcome:
    """The status UPDATE changed no row: another press (here or in another process)
    approved it or sent it back first. Nothing else is written; the mentor hears which."""
    now_stored = await reflections.get_reflection(conn, reflection.id) or reflection
    if now_stored.status == reflections.APPROVED:
        return Outcome(Reviewed.ALREADY_APPROVED, now_stored, mentee)
    return Outcome(Reviewed.STALE, now_stored, mentee)


async def active(svc: Services, viewer: Viewer) -> bool:
    async with svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
    return conv is not None and conv.flow == FLOW


async def comment_text(svc: Services, viewer: Viewer, text: str) -> Outcome:
    """The mentor's comment or revision request; the mentee receives it.

    While an earlier text waits for the mentor's yes (:func:`hold`), a new message means
    they moved on: the dialogue closes and nothing is sent.
    """
    cleaned = visible_or_empty(text)
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != FLOW:
            return Outcome(Reviewed.NOT_ACTIVE)
        if "held" in conv.data:
            return await _drop(conn, viewer, conv)
        if not cleaned:
            return Outcome(Reviewed.EMPTY, decision=conv.step)
        if len(cleaned) > MAX_COMMENT:
            return Outcome(Reviewed.TOO_LONG, decision=conv.step)
        outcome = await _deliver(svc, conn, viewer, conv, cleaned)
    svc.outbox_wake()
    return outcome


async def hold(svc: Services, viewer: Viewer, text: str) -> Outcome:
    """A text after the comment dialogue went stale: keep it and ask before sending it.

    A second stale text (the question was never answered) closes the dialogue unsent.
    """
    cleaned = visible_or_empty(text)
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != FLOW:
            return Outcome(Reviewed.NOT_ACTIVE)
        found = await _check(conn, viewer, int(conv.data["reflection_id"]))
        if "held" in conv.data or found is None or not cleaned or len(cleaned) > MAX_COMMENT:
            return await _drop(conn, viewer, conv)
        await conversations.save_conversation(
            conn,
            viewer.telegram_id,
            flow=FLOW,
            step=conv.step,
            data={**conv.data, "held": cleaned},
            now=svc.clock.now(),
        )
        reflection, mentee, _ = found
    return Outcome(Reviewed.HELD, reflection, mentee, conv.step, cleaned)


async def use_held(svc: Services, viewer: Viewer) -> Outcome:
    """The mentor said yes: send the held text as the comment or revision request."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != FLOW or "held" not in conv.data:
            return Outcome(Reviewed.NOT_ACTIVE)
        outcome = await _deliver(svc, conn, viewer, conv, str(conv.data["held"]))
    svc.outbox_wake()
    return outcome


async def drop_held(svc: Services, viewer: Viewer) -> Outcome:
    """The mentor said no: close the dialogue, send nothing."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != FLOW or "held" not in conv.data:
            return Outcome(Reviewed.NOT_ACTIVE)
        return await _drop(conn, viewer, conv)


async def _drop(conn: AsyncConnection, viewer: Viewer, conv: Conversation) -> Outcome:
    await conversations.clear_conversation(conn, viewer.telegram_id)
    found = await _check(conn, viewer, int(conv.data["reflection_id"]))
    mentee = found[1] if found else None
    return Outcome(Reviewed.DROPPED, mentee=mentee, decision=conv.step)


async def _deliver(
    svc: Services, conn: AsyncConnection, viewer: Viewer, conv: Conversation, cleaned: str
) -> Outcome:
    """Record the comment (or revision request) and tell the mentee; the dialogue ends."""
    now = svc.clock.now()
    await conversations.clear_conversation(conn, viewer.telegram_id)
    found = await _check(conn, viewer, int(conv.data["reflection_id"]))
    if found is None:
        return Outcome(Reviewed.NOT_ALLOWED)
    reflection, mentee, programme = found
    version = int(conv.data["version"])
    if reflection.status != reflections.SUBMITTED or reflection.version != version:
        return Outcome(Reviewed.STALE, reflection, mentee)
    assert viewer.person is not None
    revise = conv.step == "rev"
    if revise and not await reflections.set_state(
        conn,
        reflection.id,
        status=reflections.REVISION,
        now=now,
        expect=(reflections.SUBMITTED,),
        expect_version=version,
    ):
        return await _changed_meanwhile(conn, reflection, mentee)
    await reflections.add_review(
        conn,
        reflection_id=reflection.id,
        reviewer_id=viewer.person.id,
        version=version,
        decision="revision" if revise else "comment",
        comment=cleaned,
        now=now,
    )
    await _tell_mentee(
        conn,
        mentee,
        "review.revision" if revise else "review.comment",
        reflection,
        programme,
        now,
        mentor=viewer.person.name,
        comment=cleaned,
    )
    return Outcome(Reviewed.SENT, reflection, mentee, conv.step)


async def _tell_mentee(
    conn: AsyncConnection,
    mentee: Person,
    kind: str,
    reflection: Reflection,
    programme: Programme,
    now: datetime,
    *,
    mentor: str,
    comment: str = "",
) -> None:
    """Queue the review's notice to the mentee (``bot.presenter.review`` words it)."""
    count = len(await reflections.reviews_of(conn, reflection.id))
    await recipients.notify(
        conn,
        mentee,
        dedup=f"rv:{reflection.id}:{count}",
        now=now,
        kind=kind,
        params={
            "reflection_id": reflection.id,
            "version": reflection.version,
            "programme_id": programme.id,
            "programme": programme.name,
            "week_start": reflection.week_start.isoformat(),
            "mentor": mentor,
            "comment": comment,
        },
    )


@dataclass(frozen=True, slots=True)
class Waiting:
    reflection: Reflection
    mentee: Person
    programme: Programme


async def waiting(svc: Services, viewer: Viewer) -> list[Waiting]:
    """Reflections waiting for this mentor, oldest first."""
    if viewer.person is None:
        return []
    async with svc.db.read() as conn:
        found = []
        for reflection in await reflections.waiting_for_mentor(conn, viewer.person.id):
            mentee = await people.get_person(conn, reflection.person_id)
            programme = await programmes.get_programme(conn, reflection.programme_id)
            assert mentee is not None
            assert programme is not None
            found.append(Waiting(reflection, mentee, programme))
    return found


async def resend(svc: Services, viewer: Viewer, reflection_id: int) -> bool:
    """Send a waiting reflection to its mentor again (from /review), with fresh buttons."""
    async with svc.db.write() as conn:
        found = await _check(conn, viewer, reflection_id)
        if found is None or viewer.person is None:
            return False
        reflection, mentee, programme = found
        if reflection.status != reflections.SUBMITTED:
            return False
        await send_to_mentor(
            conn, viewer.person, mentee, programme, reflection, now=svc.clock.now(), again=True
        )
    svc.outbox_wake()
    return True
