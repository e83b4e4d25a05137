"""Everything stored about one person, and its erasure (UU 27/2022, issue 10).

:func:`gather` reads every table that holds something of the person, as plain dictionaries
(``bot.flows.personal_data`` shapes them into the document they receive). Other people
appear only as a partner's name where the person already sees it in chat (their mentor,
mentee, reviewer, supervisor): never another person's NIP, Telegram id or answers.

:func:`erase` removes the identifying data in one transaction and keeps what aggregate
figures need (weeks, statuses, minutes, dates, confirmations, unit, roles, memberships).
Requests themselves are rows of ``erasure_requests``: an audit trail with dates and the
deciding coordinator, never the erased data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, delete, false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from storage.models import ERASED_NAME, Person
from storage.rows import inserted_id
from storage.schema import (
    audit_log,
    conversations,
    erasure_requests,
    inbox,
    invites,
    join_requests,
    mentoring_sessions,
    milestone_marks,
    milestones,
    nudges,
    outbox,
    pairings,
    people,
    person_roles,
    programme_members,
    programmes,
    reflection_evidence,
    reflections,
    reviews,
    telegram_users,
)

PENDING, ERASED, REFUSED = "pending", "erased", "refused"

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ErasureRequest:
    id: int
    person_id: int
    status: str
    requested_at: datetime
    decided_at: datetime | None


async def _names(conn: AsyncConnection, ids: set[int]) -> dict[int, str]:
    """Names only (the partner the person already sees in chat), nothing else of them."""
    if not ids:
        return {}
    rows = await conn.execute(select(people.c.id, people.c.name).where(people.c.id.in_(ids)))
    return {r.id: r.name for r in rows}


async def _all(conn: AsyncConnection, query: Any) -> list[Record]:
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def gather(conn: AsyncConnection, person: Person | None, telegram_id: int) -> Record:
    """Every row about this person (or, for someone not on the roster, this account).

    Sections are lists of plain dictionaries; a partner is only ever named.
    """
    sections: Record = {}
    if person is not None:
        sections.update(await _about_person(conn, person))
    sections.update(await _about_account(conn, person, telegram_id))
    return sections


async def _about_person(conn: AsyncConnection, person: Person) -> Record:
    pid = person.id
    [me] = await _all(conn, select(people).where(people.c.id == pid))
    roles = await _all(conn, select(person_roles.c.role).where(person_roles.c.person_id == pid))
    members = await _all(
        conn,
        select(programmes.c.name.label("programme"), programme_members.c.role)
        .join(programmes, programmes.c.id == programme_members.c.programme_id)
        .where(programme_members.c.person_id == pid)
        .order_by(programmes.c.name),
    )
    pairs = await _all(
        conn,
        select(pairings, programmes.c.name.label("programme"))
        .join(programmes, programmes.c.id == pairings.c.programme_id)
        .where(or_(pairings.c.mentor_id == pid, pairings.c.mentee_id == pid))
        .order_by(pairings.c.id),
    )
    own = await _all(
        conn,
        select(reflections, programmes.c.name.label("programme"))
        .join(programmes, programmes.c.id == reflections.c.programme_id)
        .where(reflections.c.person_id == pid)
        .order_by(reflections.c.week_start, reflections.c.id),
    )
    own_ids = [r["id"] for r in own]
    evidence = await _all(
        conn,
        select(reflection_evidence)
        .where(reflection_evidence.c.reflection_id.in_(own_ids))
        .order_by(reflection_evidence.c.id),
    )
    received = await _all(
        conn,
        select(reviews).where(reviews.c.reflection_id.in_(own_ids)).order_by(reviews.c.id),
    )
    written = await _all(
        conn,
        select(
            reviews.c.id,
            reviews.c.reflection_id,
            reflections.c.week_start,
            reviews.c.version,
            reviews.c.decision,
            reviews.c.comment,
            reviews.c.created_at,
        )
        .join(reflections, reflections.c.id == reviews.c.reflection_id)
        .where(reviews.c.reviewer_id == pid, reflections.c.person_id != pid)
        .order_by(reviews.c.id),
    )
    sessions = await _all(
        conn,
        select(mentoring_sessions, programmes.c.name.label("programme"))
        .join(programmes, programmes.c.id == mentoring_sessions.c.programme_id)
        .where(or_(mentoring_sessions.c.mentor_id == pid, mentoring_sessions.c.mentee_id == pid))
        .order_by(mentoring_sessions.c.held_on, mentoring_sessions.c.id),
    )
    partner_ids = {p["mentor_id"] for p in pairs} | {p["mentee_id"] for p in pairs}
    partner_ids |= {s["mentor_id"] for s in sessions} | {s["mentee_id"] for s in sessions}
    partner_ids |= {r["reviewer_id"] for r in received}
    partner_ids |= {me["supervisor_id"], me["mentor_id"]} - {None}
    names = await _names(conn, partner_ids - {pid})
    return {
        "person": _person_section(me, names),
        "roles": sorted(r["role"] for r in roles),
        "programmes": members,
        "pairings": [_pairing(p, pid, names) for p in pairs],
        "reflections": [_reflection(r, evidence, received, names) for r in own],
        "reviews_written": written,
        "sessions": [_session(s, pid, names) for s in sessions],
        "invites": await _all(
            conn, select(invites).where(invites.c.person_id == pid).order_by(invites.c.id)
        ),
        "nudges": await _all(
            conn,
            select(nudges.c.kind, nudges.c.period, nudges.c.local_date, nudges.c.created_at)
            .where(nudges.c.person_id == pid)
            .order_by(nudges.c.id),
        ),
        "milestones": await _all(
            conn,
            select(
                programmes.c.name.label("programme"),
                milestones.c.title,
                milestones.c.due_on,
                milestone_marks.c.done_at,
                milestone_marks.c.confirmed_at,
            )
            .join(milestones, milestones.c.id == milestone_marks.c.milestone_id)
            .join(programmes, programmes.c.id == milestones.c.programme_id)
            .where(milestone_marks.c.person_id == pid)
            .order_by(milestones.c.programme_id, milestones.c.position),
        ),
        # What coordinators recorded doing about them (not who: a coordinator's own data).
        "coordinator_actions": await _all(
            conn,
            select(audit_log.c.at, audit_log.c.action, audit_log.c.before, audit_log.c.after)
            .where(audit_log.c.subject_person_id == pid)
            .order_by(audit_log.c.id),
        ),
        "erasure_requests": await _all(
            conn,
            select(
                erasure_requests.c.status,
                erasure_requests.c.requested_at,
                erasure_requests.c.decided_at,
            )
            .where(erasure_requests.c.person_id == pid)
            .order_by(erasure_requests.c.id),
        ),
    }


def _person_section(me: Record, names: dict[int, str]) -> Record:
    shown = {k: v for k, v in me.items() if k not in ("supervisor_id", "mentor_id")}
    shown["supervisor"] = names.get(me["supervisor_id"]) if me["supervisor_id"] else None
    shown["roster_mentor"] = names.get(me["mentor_id"]) if me["mentor_id"] else None
    return shown


def _pairing(row: Record, pid: int, names: dict[int, str]) -> Record:
    as_mentor = row["mentor_id"] == pid
    partner = row["mentee_id"] if as_mentor else row["mentor_id"]
    return {
        "id": row["id"],
        "programme": row["programme"],
        "your_role": "mentor" if as_mentor else "mentee",
        "partner": names.get(partner),
        "status": row["status"],
        "reason": row["reason"],
        "offered_at": row["offered_at"],
        "responded_at": row["responded_at"],
        "ended_at": row["ended_at"],
        "end_asked_by_you": row["end_requested_by_id"] == pid,
        "end_reason": row["end_reason"],
        "created_at": row["created_at"],
    }


def _reflection(
    row: Record, evidence: list[Record], received: list[Record], names: dict[int, str]
) -> Record:
    shown = {k: v for k, v in row.items() if k not in ("person_id", "programme_id")}
    shown["evidence"] = [
        {k: v for k, v in e.items() if k != "reflection_id"}
        for e in evidence
        if e["reflection_id"] == row["id"]
    ]
    shown["reviews"] = [
        {
            "reviewer": names.get(r["reviewer_id"]),
            "version": r["version"],
            "decision": r["decision"],
            "comment": r["comment"],
            "created_at": r["created_at"],
        }
        for r in received
        if r["reflection_id"] == row["id"]
    ]
    return shown


def _session(row: Record, pid: int, names: dict[int, str]) -> Record:
    """A session with the partner named; the rating and its note only for the mentee who
    gave them (the mentor never sees what their mentee said of them)."""
    as_mentor = row["mentor_id"] == pid
    shown = {
        "id": row["id"],
        "programme": row["programme"],
        "your_role": "mentor" if as_mentor else "mentee",
        "partner": names.get(row["mentee_id"] if as_mentor else row["mentor_id"]),
        "held_on": row["held_on"],
        "minutes": row["minutes"],
        "topic": row["topic"],
        "mode": row["mode"],
        "logged_by_you": row["logged_by_id"] == pid,
        "confirmed_at": row["confirmed_at"],
        "disputed_at": row["disputed_at"],
        "created_at": row["created_at"],
    }
    if not as_mentor:
        shown["your_rating"] = row["rating"]
        shown["your_rating_note"] = row["rating_note"]
    return shown


async def _about_account(conn: AsyncConnection, person: Person | None, tid: int) -> Record:
    """What is keyed by the Telegram account: settings, dialogue, requests, messages."""
    pid = person.id if person else None
    by_person = join_requests.c.person_id == pid if pid is not None else None
    requests = await _all(
        conn,
        select(
            join_requests.c.id,
            join_requests.c.telegram_id,
            join_requests.c.nip,
            join_requests.c.name,
            join_requests.c.unit,
            join_requests.c.language,
            join_requests.c.status,
            join_requests.c.decided_at,
            join_requests.c.created_at,
        )
        .where(or_(join_requests.c.telegram_id == tid, *([by_person] if by_person else [])))
        .order_by(join_requests.c.id),
    )
    to_them: list[ColumnElement[bool]] = [outbox.c.chat_id == tid]
    if pid is not None:
        to_them.append(outbox.c.person_id == pid)
    return {
        "telegram_settings": await _all(
            conn, select(telegram_users).where(telegram_users.c.telegram_id == tid)
        ),
        "conversation": await _all(
            conn, select(conversations).where(conversations.c.telegram_id == tid)
        ),
        "join_requests": requests,
        "messages_to_you": [
            _message(m)
            for m in await _all(
                conn,
                select(
                    outbox.c.id,
                    outbox.c.kind,
                    outbox.c.params,
                    outbox.c.media_kind,
                    outbox.c.status,
                    outbox.c.created_at,
                    outbox.c.sent_at,
                )
                .where(or_(*to_them))
                .order_by(outbox.c.id),
            )
        ],
        "updates_from_you": [
            {**u, "payload": _own_part(u["payload"])}
            for u in await _all(
                conn,
                select(inbox.c.update_id, inbox.c.payload, inbox.c.received_at, inbox.c.done_at)
                .where(inbox.c.chat_id == tid)
                .order_by(inbox.c.update_id),
            )
        ],
    }


# What a notice to the person may show of its facts: ids, dates and states. Names,
# answers, comments, topics and NIPs are left out: a mentor's copy of a mentee's reflection
# or a coordinator's join-request card is someone else's data, and the person's own
# content is already in its own section.
MESSAGE_FACTS = frozenset(
    {
        "reflection_id",
        "pairing_id",
        "session_id",
        "request_id",
        "programme_id",
        "programme",
        "week_start",
        "version",
        "minutes",
        "held_on",
        "mode",
        "status",
        "role",
        "reason",
        "offers",
        "decision",
    }
)
# Parts of an update that are the bot's (or someone else's) message, not the person's.
NOT_THEIRS = frozenset({"reply_to_message", "external_reply", "quote", "pinned_message"})


def _message(row: Record) -> Record:
    params = row.pop("params") or {}
    row["facts"] = {k: v for k, v in params.items() if k in MESSAGE_FACTS}
    return row


def _own_part(payload: Any) -> Any:
    """What the person sent in an update: the message under a pressed button (the bot's
    text, which may quote someone else) and quoted messages are reduced to their id."""
    if not isinstance(payload, dict):
        return payload
    own: Record = {}
    for key, value in payload.items():
        if isinstance(value, dict) and key in ("message", "edited_message"):
            own[key] = {k: v for k, v in value.items() if k not in NOT_THEIRS}
        elif isinstance(value, dict) and key == "callback_query":
            shown = dict(value)
            if isinstance(shown.get("message"), dict):
                shown["message"] = {"message_id": shown["message"].get("message_id")}
            own[key] = shown
        else:
            own[key] = value
    return own


# --- erasure requests -----------------------------------------------------------------


async def open_request(conn: AsyncConnection, person_id: int) -> ErasureRequest | None:
    rows = await conn.execute(
        select(erasure_requests).where(
            erasure_requests.c.person_id == person_id, erasure_requests.c.status == PENDING
        )
    )
    found = rows.mappings().first()
    return _to_request(dict(found)) if found else None


async def get_request(
    conn: AsyncConnection, request_id: int, *, lock: bool = False
) -> ErasureRequest | None:
    """A request; ``lock`` holds its row (``FOR UPDATE``) until the write transaction ends,
    so a second coordinator's decision in another process waits, then sees the first."""
    query = select(erasure_requests).where(erasure_requests.c.id == request_id)
    rows = await conn.execute(query.with_for_update() if lock else query)
    found = rows.mappings().first()
    return _to_request(dict(found)) if found else None


def _to_request(row: Record) -> ErasureRequest:
    return ErasureRequest(
        row["id"], row["person_id"], row["status"], row["requested_at"], row["decided_at"]
    )


async def create_request(conn: AsyncConnection, person_id: int, now: datetime) -> ErasureRequest:
    result = await conn.execute(
        insert(erasure_requests).values(person_id=person_id, status=PENDING, requested_at=now)
    )
    return ErasureRequest(inserted_id(result), person_id, PENDING, now, None)


async def decide_request(
    conn: AsyncConnection, request_id: int, status: str, decided_by: int, now: datetime
) -> bool:
    """Record the decision; False if the request was decided already (first one wins)."""
    result = await conn.execute(
        update(erasure_requests)
        .where(erasure_requests.c.id == request_id, erasure_requests.c.status == PENDING)
        .values(status=status, decided_at=now, decided_by_telegram_id=decided_by)
    )
    return result.rowcount == 1


async def request_cards(conn: AsyncConnection, request_id: int) -> list[tuple[int, int]]:
    """(chat, message) of each coordinator's card about this request that Telegram has:
    after an erasure they are edited so no chat keeps showing the name."""
    rows = await conn.execute(
        select(outbox.c.chat_id, outbox.c.telegram_message_id).where(
            outbox.c.dedup_key.startswith(f"erase:{request_id}:ask:", autoescape=True),
            outbox.c.telegram_message_id.is_not(None),
        )
    )
    return [(int(r.chat_id), int(r.telegram_message_id)) for r in rows]


# --- erasure ------------------------------------------------------------------------------


QUOTED_MIN = 12
"""Erased free text shorter than this ("ya", "1 jam") is not searched for in other rows:
it would match messages that have nothing to do with the person."""


@dataclass(frozen=True, slots=True)
class Quotes:
    """How other rows that quote the person are found.

    Name and NIP are looked for in every row. Their erased free text (hundreds of answers
    in a year) is looked for only in the chats of people who could have been shown or have
    typed it (partners, supervisor, coordinators): a search of every pattern through a
    month of a province's outbox would hold the write lock for minutes.
    """

    names: list[str]
    texts: list[str]
    chats: set[int]

    def found_in(self, chat: Any, *columns: Any) -> ColumnElement[bool]:
        found = [_mentions(c, self.names) for c in columns] if self.names else []
        if self.texts and self.chats:
            nearby = [_mentions(c, self.texts) for c in columns]
            found.append(and_(chat.in_(sorted(self.chats)), or_(*nearby)))
        return or_(false(), *found)


async def _related_chats(conn: AsyncConnection, pid: int, coordinators: Iterable[int]) -> set[int]:
    """Telegram accounts that may hold a quote of the person's text: their mentors and
    mentees (pairings, sessions, reviews), supervisor and coordinators."""
    related = (
        select(pairings.c.mentor_id)
        .where(pairings.c.mentee_id == pid)
        .union(
            select(pairings.c.mentee_id).where(pairings.c.mentor_id == pid),
            select(mentoring_sessions.c.mentor_id).where(mentoring_sessions.c.mentee_id == pid),
            select(mentoring_sessions.c.mentee_id).where(mentoring_sessions.c.mentor_id == pid),
            select(people.c.supervisor_id).where(people.c.id == pid),
            select(people.c.mentor_id).where(people.c.id == pid),
            select(person_roles.c.person_id).where(person_roles.c.role == "coordinator"),
        )
        .subquery()
    )
    rows = await conn.execute(
        select(people.c.telegram_id).where(
            people.c.id.in_(select(related)), people.c.telegram_id.is_not(None)
        )
    )
    return {int(r.telegram_id) for r in rows} | set(coordinators)


async def _erased_texts(conn: AsyncConnection, pid: int, own: Any) -> list[str]:
    """The free text about to be erased (answers, evidence captions and file ids, review
    comments on their reflections, session topics and rating notes): other rows that
    quote it (notices, updates, dialogues) are found by it."""
    texts: list[str] = []
    for (answers,) in await conn.execute(
        select(reflections.c.answers).where(reflections.c.person_id == pid)
    ):
        texts += [str(a) for a in (answers or {}).values()]
    for caption, file_id in await conn.execute(
        select(reflection_evidence.c.caption, reflection_evidence.c.telegram_file_id).where(
            reflection_evidence.c.reflection_id.in_(own)
        )
    ):
        texts += [caption or "", file_id]
    for (comment,) in await conn.execute(
        select(reviews.c.comment).where(reviews.c.reflection_id.in_(own))
    ):
        texts.append(comment or "")
    for topic, note in await conn.execute(
        select(mentoring_sessions.c.topic, mentoring_sessions.c.rating_note).where(
            or_(mentoring_sessions.c.mentor_id == pid, mentoring_sessions.c.mentee_id == pid)
        )
    ):
        texts += [topic or "", note or ""]
    return sorted({t for t in texts if len(t) >= QUOTED_MIN})


def _mentions(column: Any, needles: list[str]) -> ColumnElement[bool]:
    """The column's text (a JSON column as its stored text) contains any of ``needles``,
    each as typed and as JSON escapes it (non-ASCII names are stored ``\\uXXXX``)."""
    text = cast(column, Text)
    forms = {form for n in needles for form in (n, json.dumps(n)[1:-1])}
    return or_(*(text.contains(form, autoescape=True) for form in sorted(forms)))


async def erase(
    conn: AsyncConnection, person: Person, now: datetime, coordinators: Iterable[int] = ()
) -> None:
    """Erase the person's identifying data; keep what aggregate figures count.

    Kept: the people row (id, unit, roles, memberships, time zone: not identifying alone,
    and every count of a programme, unit or mentor needs its owner), reflections' weeks,
    statuses, minutes and dates, sessions' dates, minutes, modes, confirmations and
    ratings (a mentor's average), pairings. Erased: name (a marker instead), NIP, Telegram
    id, answers, evidence, review comments on their reflections, session topics and
    rating notes, invites, join requests, settings, dialogue, nudges, messages to them and
    notices naming them, the updates they sent, and the facts of audit entries about them.
    """
    pid = person.id
    own = select(reflections.c.id).where(reflections.c.person_id == pid).scalar_subquery()
    quotes = Quotes(
        names=[n for n in (person.name, person.nip) if n and len(n) >= 3],
        texts=await _erased_texts(conn, pid, own),
        chats=await _related_chats(conn, pid, coordinators),
    )
    await _clear_content(conn, pid, own)
    await _drop_account(conn, person, quotes)
    await _empty_updates(conn, person.telegram_id, quotes, now)
    await _scrub_audit(conn, pid, quotes)
    await conn.execute(
        update(people)
        .where(people.c.id == pid)
        .values(
            name=ERASED_NAME,
            nip=None,
            telegram_id=None,
            unreachable_since=None,
            nudges_paused_until=None,
            # nobody to reach any more; "inactive" stays as the roster said
            status="active" if person.status == "unreachable" else person.status,
            erased_at=now,
            updated_at=now,
        )
    )


async def _clear_content(conn: AsyncConnection, pid: int, own: Any) -> None:
    """Their words go, the counted facts stay: answers, evidence, comments on their
    reflections, topics and rating notes of sessions they took part in."""
    await conn.execute(
        update(reflections)
        .where(reflections.c.person_id == pid)
        .values(answers={}, answer_messages=None)
    )
    await conn.execute(
        delete(reflection_evidence).where(reflection_evidence.c.reflection_id.in_(own))
    )
    await conn.execute(
        update(reviews).where(reviews.c.reflection_id.in_(own)).values(comment=None)
    )
    await conn.execute(
        update(mentoring_sessions)
        .where(or_(mentoring_sessions.c.mentor_id == pid, mentoring_sessions.c.mentee_id == pid))
        .values(topic="", rating_note=None)
    )
    await conn.execute(delete(invites).where(invites.c.person_id == pid))
    await conn.execute(delete(nudges).where(nudges.c.person_id == pid))


async def _drop_account(conn: AsyncConnection, person: Person, quotes: Quotes) -> None:
    """Rows of their account (requests, settings, dialogue, messages to them) and other
    rows quoting them (queued or sent notices, others' open dialogues)."""
    pid, tid = person.id, person.telegram_id
    asked = [join_requests.c.person_id == pid]
    messages: list[ColumnElement[bool]] = [outbox.c.person_id == pid]
    dialogues: list[ColumnElement[bool]] = []
    if person.nip:
        asked.append(join_requests.c.nip == person.nip)
    if tid is not None:
        asked.append(join_requests.c.telegram_id == tid)
        messages.append(outbox.c.chat_id == tid)
        dialogues.append(conversations.c.telegram_id == tid)
        await conn.execute(delete(telegram_users).where(telegram_users.c.telegram_id == tid))
    messages.append(quotes.found_in(outbox.c.chat_id, outbox.c.text, outbox.c.params))
    messages.append(quotes.found_in(outbox.c.chat_id, outbox.c.media_data, outbox.c.reply_markup))
    dialogues.append(quotes.found_in(conversations.c.telegram_id, conversations.c.data))
    await conn.execute(delete(join_requests).where(or_(*asked)))
    await conn.execute(delete(outbox).where(or_(*messages)))
    await conn.execute(delete(conversations).where(or_(*dialogues)))


async def _scrub_audit(conn: AsyncConnection, pid: int, quotes: Quotes) -> None:
    """The audit log keeps who did what and when (names are joined in when read, so the
    person reads as "deleted participant"); the facts recorded about them go, and so do
    those quoting their name or NIP (a join request's decision, a mentor changed)."""
    about = [audit_log.c.subject_person_id == pid]
    if quotes.names:
        about += [_mentions(audit_log.c.before, quotes.names)]
        about += [_mentions(audit_log.c.after, quotes.names)]
    await conn.execute(update(audit_log).where(or_(*about)).values(before=None, after=None))


async def _empty_updates(
    conn: AsyncConnection, tid: int | None, quotes: Quotes, now: datetime
) -> None:
    """Inbox rows stay (a redelivered update is still refused); their content goes."""
    if tid is not None:
        # What they sent but was not handled yet is not handled any more.
        theirs = inbox.c.chat_id == tid
        await conn.execute(
            update(inbox).where(theirs, inbox.c.done_at.is_(None)).values(done_at=now)
        )
        await conn.execute(update(inbox).where(theirs).values(payload=None, chat_id=None))
    # Others' handled updates that quote them (a mentor typing the session topic, a
    # button under a message naming them); an update still waiting is left alone.
    await conn.execute(
        update(inbox)
        .where(inbox.c.done_at.is_not(None), quotes.found_in(inbox.c.chat_id, inbox.c.payload))
        .values(payload=None)
    )
