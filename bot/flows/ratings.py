"""Session ratings for coordinators: averages per mentor in the programme digest, and each
mentee's note on request (/catatan, then a mentor's button).

Mentees rate a confirmed session 1-4 with an optional note (``bot.flows.sessions``); they
were promised that only coordinators see it. So every reader here checks the viewer is a
coordinator: a forged button from anyone else gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.flows.services import Services
from bot.i18n import Html, number, t
from bot.text_split import split_text
from storage import people, ratings
from storage.ratings import MentorRating

DIGEST_MENTORS = 15  # lowest averages first; the rest are one command away
LIST_MENTORS = 30  # buttons on one /catatan message
BUTTON = "rn"


def _average(language: str, found: MentorRating) -> Html:
    return t(
        language,
        "digest.ratings.average",
        average=number(found.average, language),
        rated=found.rated,
        notes=found.notes,
    )


async def digest_section(conn: AsyncConnection, language: str) -> list[str]:
    """The programme digest's lines on ratings: each mentor's average, lowest first."""
    found = await ratings.mentor_averages(conn)
    parts: list[str] = [t(language, "digest.ratings.digest_header")]
    parts += [
        t(language, "digest.ratings.digest_line", name=m.name, average=_average(language, m))
        for m in found[:DIGEST_MENTORS]
    ]
    if len(found) > DIGEST_MENTORS:
        parts.append(t(language, "digest.ratings.more", count=len(found) - DIGEST_MENTORS))
    if not found:
        parts.append(t(language, "digest.none"))
    elif any(m.notes for m in found):
        parts.append(t(language, "digest.ratings.notes_hint"))
    return parts


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say back: messages, and buttons under the last one."""

    messages: list[str]
    keyboard: Keyboard | None = None


async def overview(svc: Services, viewer: Viewer, name: str = "") -> Reply:
    """/catatan [name]: mentors' averages, a button for each one with notes."""
    lang = viewer.language
    if not viewer.is_coordinator:
        return Reply([t(lang, "digest.ratings.not_allowed")])
    async with svc.db.read() as conn:
        found = await ratings.mentor_averages(conn)
    wanted = name.strip().casefold()
    found = [m for m in found if wanted in m.name.casefold()][:LIST_MENTORS]
    if not found:
        return Reply([t(lang, "digest.ratings.none")])
    lines = [t(lang, "digest.ratings.list_header")]
    lines += [
        t(lang, "digest.ratings.digest_line", name=m.name, average=_average(lang, m))
        for m in found
    ]
    keyboard = [
        [Button(f"📝 {m.name} ({m.notes})", callbacks.encode(BUTTON, "m", m.mentor_id))]
        for m in found
        if m.notes
    ]
    return Reply(split_text("\n".join(lines), 4000), keyboard or None)


async def notes_of(svc: Services, viewer: Viewer, mentor_id: int | None) -> Reply | None:
    """The notes on one mentor's sessions; None when the press is refused (not a
    coordinator, or not a mentor anyone rated)."""
    if not viewer.is_coordinator or mentor_id is None:
        return None
    lang = viewer.language
    async with svc.db.read() as conn:
        mentor = await people.get_person(conn, mentor_id)
        notes = await ratings.notes_for(conn, mentor_id)
    if mentor is None:
        return None
    parts = [t(lang, "digest.ratings.notes_header", name=mentor.name, count=len(notes))]
    parts += [
        t(
            lang,
            "digest.ratings.note",
            day=n.held_on.strftime("%d-%m-%Y"),
            stars="⭐" * n.rating,
            mentee=n.mentee,
            topic=n.topic,
            note=n.note,
        )
        for n in notes
    ]
    if not notes:
        parts.append(t(lang, "digest.ratings.no_notes"))
    return Reply(split_text("\n\n".join(parts), 4000))
