"""Logging a mentoring session (``/sesi``): who, when, how long, what, online or not.

The other side confirms with a button, or disputes it ("not as logged"); confirmed sessions
count toward the mentee's JP, disputed ones never do (the logger and coordinators are told).
Afterwards the mentee may rate a confirmed one 1-4 with an optional note only coordinators see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import limits, recipients, weeks
from bot.flows.hours import parse_sitting
from bot.flows.identity import Viewer
from bot.flows.services import Services
from bot.flows.visible import visible_or_empty
from storage import conversations, pairings, people, programmes, sessions
from storage.models import MentoringSession, Pairing, Person

FLOW = "session"
RATING_FLOW = "rating"
MODES = ("online", "offline")


class Step(StrEnum):
    WHO = "who"
    DAY = "day"
    MINUTES = "minutes"
    TOPIC = "topic"
    MODE = "mode"


class Show(StrEnum):
    ASK = "ask"
    CHOOSE = "choose"
    LOGGED = "logged"
    NO_PAIR = "no_pair"
    PROBLEM = "problem"
    INVALID = "invalid"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    RATED = "rated"
    NOTE_SAVED = "note_saved"


@dataclass(slots=True)
class Screen:
    show: Show
    step: Step | None = None
    problem: str | None = None
    choices: list[tuple[Pairing, Person]] = field(default_factory=list)
    session: MentoringSession | None = None
    other: Person | None = None


async def _pairs(conn: AsyncConnection, me: Person) -> list[tuple[Pairing, Person]]:
    found = []
    for pairing in await pairings.of_mentor(conn, me.id, (pairings.ACTIVE,)):
        other = await people.get_person(conn, pairing.mentee_id)
        assert other is not None
        found.append((pairing, other))
    for pairing in await pairings.of_mentee(conn, me.id, (pairings.ACTIVE,)):
        other = await people.get_person(conn, pairing.mentor_id)
        assert other is not None
        found.append((pairing, other))
    return found


async def _save(
    svc: Services, conn: AsyncConnection, viewer: Viewer, step: Step, data: dict[str, object]
) -> None:
    await conversations.save_conversation(
        conn, viewer.telegram_id, flow=FLOW, step=step.value, data=data, now=svc.clock.now()
    )


async def begin(svc: Services, viewer: Viewer) -> Screen:
    if viewer.person is None:
        return Screen(Show.NO_PAIR)
    async with svc.db.write() as conn:
        pairs = await _pairs(conn, viewer.person)
        if not pairs:
            return Screen(Show.NO_PAIR)
        if len(pairs) > 1:
            await _save(svc, conn, viewer, Step.WHO, {})
            return Screen(Show.CHOOSE, Step.WHO, choices=pairs)
        await _save(svc, conn, viewer, Step.DAY, {"pairing_id": pairs[0][0].id})
    return Screen(Show.ASK, Step.DAY)


async def choose(svc: Services, viewer: Viewer, pairing_id: int) -> Screen:
    if viewer.person is None:
        return Screen(Show.INVALID)
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        pairs = {p.id for p, _ in await _pairs(conn, viewer.person)}
        if conv is None or conv.flow != FLOW or pairing_id not in pairs:
            return Screen(Show.INVALID)
        await _save(svc, conn, viewer, Step.DAY, {"pairing_id": pairing_id})
    return Screen(Show.ASK, Step.DAY)


async def answer(
    svc: Services,
    viewer: Viewer,
    text: str | None,
    *,
    day_offset: int | None = None,
    mode: str | None = None,
) -> Screen:
    """The next answer: typed text, or a day / mode button."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != FLOW or viewer.person is None:
            return Screen(Show.INVALID)
        step, data = Step(conv.step), dict(conv.data)
        pairing = await pairings.get_pairing(conn, int(data.get("pairing_id", 0) or 0))
        if step is Step.WHO or pairing is None:
            return Screen(Show.PROBLEM, step, "session.problem.use_buttons")
        today = weeks.local_date(now, viewer.person.timezone)
        if step is Step.DAY:
            day = (
                today - timedelta(days=day_offset)
                if day_offset is not None
                else weeks.parse_date(text or "")
            )
            programme = await programmes.get_programme(conn, pairing.programme_id)
            assert programme is not None
            if day is None:
                return Screen(Show.PROBLEM, step, "session.problem.day")
            if (
                day > today
                or day < today - timedelta(days=limits.MAX_SESSION_DAYS_BACK)
                or day < programme.starts_on
            ):
                return Screen(Show.PROBLEM, step, "session.problem.day_range")
            data["day"] = day.isoformat()
            nxt = Step.MINUTES
        elif step is Step.MINUTES:
            minutes = parse_sitting(text or "", most_hours=limits.MAX_SESSION_HOURS)
            if minutes is None:
                return Screen(Show.PROBLEM, step, "session.problem.minutes")
            if not 0 < minutes <= limits.MAX_SESSION_MINUTES:
                return Screen(Show.PROBLEM, step, "session.problem.minutes_range")
            data["minutes"] = minutes
            nxt = Step.TOPIC
        elif step is Step.TOPIC:
            topic = " ".join(visible_or_empty(text or "").split())
            if not 3 <= len(topic) <= 500:
                return Screen(Show.PROBLEM, step, "session.problem.topic")
            data["topic"] = topic
            nxt = Step.MODE
        else:
            if mode not in MODES:
                return Screen(Show.PROBLEM, step, "session.problem.use_buttons")
            return await _log(svc, conn, viewer, pairing, data, mode, now)
        await _save(svc, conn, viewer, nxt, data)
    return Screen(Show.ASK, nxt)


async def _log(
    svc: Services,
    conn: AsyncConnection,
    viewer: Viewer,
    pairing: Pairing,
    data: dict[str, object],
    mode: str,
    now: datetime,
) -> Screen:
    assert viewer.person is not None
    session = await sessions.log_session(
        conn,
        programme_id=pairing.programme_id,
        mentor_id=pairing.mentor_id,
        mentee_id=pairing.mentee_id,
        held_on=date.fromisoformat(str(data["day"])),
        minutes=int(str(data["minutes"])),
        topic=str(data["topic"]),
        mode=mode,
        logged_by_id=viewer.person.id,
        now=now,
    )
    await conversations.clear_conversation(conn, viewer.telegram_id)
    other_id = pairing.mentee_id if pairing.mentor_id == viewer.person.id else pairing.mentor_id
    other = await people.get_person(conn, other_id)
    assert other is not None
    await recipients.notify(
        conn,
        other,
        dedup=f"ss:{session.id}:confirm",
        now=now,
        kind="session.please_confirm",
        params={
            "session_id": session.id,
            "who": viewer.person.name,
            "day": session.held_on.isoformat(),
            "minutes": session.minutes,
            "topic": session.topic,
            "mode": mode,
        },
    )
    svc.outbox_wake()
    return Screen(Show.LOGGED, session=session, other=other)


async def _answerable(
    conn: AsyncConnection, viewer: Viewer, session_id: int
) -> MentoringSession | None:
    """The session if the viewer is its other side (not the one who logged it)."""
    session = await sessions.get_session(conn, session_id)
    me = viewer.person
    if (
        session is None
        or me is None
        or me.id not in (session.mentor_id, session.mentee_id)
        or me.id == session.logged_by_id
    ):
        return None
    return session


async def dispute(svc: Services, viewer: Viewer, session_id: int) -> Screen:
    """The other side says the session did not happen as logged: it never counts toward JP;
    the one who logged it and the coordinators are told, so they can talk and log it anew."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        session = await _answerable(conn, viewer, session_id)
        if session is None or not await sessions.dispute(conn, session.id, now):
            return Screen(Show.INVALID)
        assert viewer.person is not None
        disputer = viewer.person.name
        logger = await people.get_person(conn, session.logged_by_id or 0)
        facts = {
            "who": disputer,
            "logger": logger.name if logger else "-",
            "day": session.held_on.isoformat(),
            "minutes": session.minutes,
            "topic": session.topic,
        }
        if logger is not None:
            await recipients.notify(
                conn,
                logger,
                dedup=f"ss:{session.id}:disputed",
                now=now,
                kind="session.disputed_logger",
                params=facts,
            )
        await recipients.notify_coordinators(
            svc,
            conn,
            dedup=f"ss:{session.id}:disputed",
            now=now,
            kind="session.disputed_coordinator",
            params=facts,
        )
    svc.outbox_wake()
    return Screen(Show.DISPUTED, session=session)


async def confirm(svc: Services, viewer: Viewer, session_id: int) -> Screen:
    """The other side confirms; the mentee is then asked for a rating."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        session = await _answerable(conn, viewer, session_id)
        if session is None or not await sessions.confirm(conn, session.id, now):
            return Screen(Show.INVALID)
        mentee = await people.get_person(conn, session.mentee_id)
        assert mentee is not None
        await recipients.notify(
            conn,
            mentee,
            dedup=f"ss:{session.id}:rate",
            now=now,
            kind="session.rate",
            params={"session_id": session.id, "topic": session.topic},
        )
    svc.outbox_wake()
    return Screen(Show.CONFIRMED, session=session)


async def rate(svc: Services, viewer: Viewer, session_id: int, rating: int) -> Screen:
    """The mentee's 1-4 rating; then an optional note (one text message, or skip)."""
    async with svc.db.write() as conn:
        session = await sessions.get_session(conn, session_id)
        me = viewer.person
        if (
            session is None
            or me is None
            or me.id != session.mentee_id
            or session.confirmed_at is None
            or not 1 <= rating <= 4
        ):
            return Screen(Show.INVALID)
        await sessions.rate(conn, session.id, rating, None)
        await conversations.save_conversation(
            conn,
            viewer.telegram_id,
            flow=RATING_FLOW,
            step="note",
            data={"session_id": session.id},
            now=svc.clock.now(),
        )
    return Screen(Show.RATED, session=session)


async def note(svc: Services, viewer: Viewer, text: str | None) -> Screen:
    """The optional note to a rating (None: skipped)."""
    async with svc.db.write() as conn:
        conv = await conversations.get_conversation(conn, viewer.telegram_id)
        if conv is None or conv.flow != RATING_FLOW:
            return Screen(Show.INVALID)
        session = await sessions.get_session(conn, int(conv.data["session_id"]))
        assert session is not None
        note_text = visible_or_empty(text or "")
        if note_text:
            await sessions.rate(conn, session.id, session.rating or 0, note_text[:1000])
        await conversations.clear_conversation(conn, viewer.telegram_id)
    return Screen(Show.NOTE_SAVED)
