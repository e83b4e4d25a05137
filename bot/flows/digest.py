"""Weekly digests: for each supervisor, the people of their unit; for coordinators, the
programme as a whole. Status only, never what anyone wrote in a reflection.

Sent on Monday at 07:30 in the recipient's zone (caught up within three days if the bot
was down, once: each digest is recorded like a nudge), and on demand with /ringkasan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import weeks
from bot.flows.identity import Viewer
from bot.flows.progress import JP_TARGET, MenteeProgress, mentee_progress
from bot.flows.services import Services
from bot.i18n import Html, t
from bot.text_split import split_text
from storage import nudges, outbox, pairings, people, programmes, reflections, sessions
from storage.models import Person

DIGEST_AT = time(7, 30)
GRACE = timedelta(days=3)
STALE_REVIEW_DAYS = 7


@dataclass(frozen=True, slots=True)
class Line:
    progress: MenteeProgress
    last_session: str | None
    unreachable: bool

    @property
    def at_risk(self) -> list[str]:
        flags = []
        if self.progress.missed_in_a_row >= 2:
            flags.append("missed")
        if self.progress.oldest_waiting_days > STALE_REVIEW_DAYS:
            flags.append("review")
        if self.unreachable:
            flags.append("unreachable")
        return flags


async def _lines_for(conn: AsyncConnection, members: list[Person], now: datetime) -> list[Line]:
    lines = []
    for person in members:
        for programme in await programmes.programmes_of(conn, person.id, "mentee"):
            if programme.status != "active":
                continue
            progress = await mentee_progress(conn, person, programme, now)
            last = await sessions.last_confirmed(conn, person.id)
            lines.append(
                Line(
                    progress,
                    last.held_on.strftime("%d-%m-%Y") if last else None,
                    person.status == "unreachable",
                )
            )
    return lines


async def supervisor_lines(conn: AsyncConnection, supervisor: Person, now: datetime) -> list[Line]:
    return await _lines_for(conn, await people.supervised_by(conn, supervisor.id), now)


def render(lines: list[Line], language: str, title: str) -> list[str]:
    """Messages (split below Telegram's limit) for a list of people."""
    lang = language
    parts = [t(lang, "digest.header", title=title, count=len(lines))]
    for line in lines:
        p = line.progress
        flags = ", ".join(t(lang, f"digest.flag.{f}") for f in line.at_risk)
        parts.append(
            t(
                lang,
                "digest.line",
                name=p.person.name,
                programme=p.programme.name,
                week=t(lang, "digest.yes") if p.this_week_done else t(lang, "digest.no"),
                last_week=t(lang, "digest.yes") if p.last_week_done else t(lang, "digest.no"),
                streak=p.streak,
                pending=p.pending_reviews,
                waiting_days=p.oldest_waiting_days,
                session=line.last_session or "-",
                jp=f"{p.jp_year:g}",
                target=JP_TARGET,
                flags=Html(f"\n⚠️ {flags}") if flags else "",
            )
        )
    if not lines:
        parts.append(t(lang, "digest.empty"))
    return split_text("\n\n".join(parts), 4000)


async def coordinator_digest(conn: AsyncConnection, language: str, now: datetime) -> list[str]:
    """Programme-wide: last week's submission rate per unit, the mentors with the most
    reviews waiting, mentees without a mentor, people who cannot be reached."""
    lang = language
    everyone = {p.id: p for p in await people.all_people(conn)}
    lines = await _lines_for(conn, [p for p in everyone.values() if "mentee" in p.roles], now)
    units: dict[str, list[bool]] = {}
    for line in lines:
        units.setdefault(line.progress.person.unit or "-", []).append(line.progress.last_week_done)
    parts = [t(lang, "digest.coordinator_header")]
    parts += [
        t(
            lang,
            "digest.unit_rate",
            unit=unit,
            done=sum(flags),
            total=len(flags),
            percent=round(100 * sum(flags) / len(flags)),
        )
        for unit, flags in sorted(units.items())
    ]
    waiting: dict[int, int] = {}
    for pairing in await pairings.active(conn):
        for reflection in await reflections.of_person(
            conn, pairing.mentee_id, pairing.programme_id
        ):
            if reflection.status == reflections.SUBMITTED:
                waiting[pairing.mentor_id] = waiting.get(pairing.mentor_id, 0) + 1
    busiest = sorted(waiting.items(), key=lambda item: (-item[1], item[0]))[:5]
    parts.append(t(lang, "digest.busiest_header"))
    parts += [t(lang, "digest.busiest_line", name=everyone[m].name, count=n) for m, n in busiest]
    if not busiest:
        parts.append(t(lang, "digest.none"))
    unmatched = []
    for programme in await programmes.list_programmes(conn):
        if programme.status != "active":
            continue
        paired = {
            p.mentee_id
            for p in await pairings.of_programme(conn, programme.id)
            if p.status in pairings.CURRENT
        }
        unmatched += [
            everyone[i].name
            for i in await programmes.members(conn, programme.id, "mentee")
            if i not in paired
        ]
    parts.append(t(lang, "digest.unmatched", names=", ".join(unmatched) or "-"))
    unreachable = [p.name for p in everyone.values() if p.status == "unreachable"]
    parts.append(t(lang, "digest.unreachable", names=", ".join(unreachable) or "-"))
    return split_text("\n".join(parts), 4000)


async def on_demand(svc: Services, viewer: Viewer) -> list[str] | None:
    """/ringkasan: a supervisor's unit digest, or a coordinator's view of everyone."""
    if viewer.person is None and not viewer.is_coordinator:
        return None
    now = svc.clock.now()
    async with svc.db.read() as conn:
        if viewer.is_coordinator:
            return await coordinator_digest(conn, viewer.language, now)
        if viewer.person is not None and "supervisor" in viewer.person.roles:
            lines = await supervisor_lines(conn, viewer.person, now)
            title = viewer.person.unit or viewer.person.name
        else:
            return None
    return render(lines, viewer.language, title)


async def weekly(svc: Services) -> int:
    """Monday 07:30 local: each supervisor with people in active programmes gets their unit's
    digest, each coordinator on the roster the programme-wide one."""
    now = svc.clock.now()
    sent = 0
    async with svc.db.write() as conn:
        for person in await people.all_people(conn):
            if person.telegram_id is None or not {"supervisor", "coordinator"} & person.roles:
                continue
            monday = weeks.week_start(now, person.timezone)
            start = weeks.local_instant(monday, DIGEST_AT, person.timezone)
            if not start <= now < start + GRACE:
                continue
            messages: list[str] = []
            if "coordinator" in person.roles:
                messages += await coordinator_digest(conn, person.language, now)
            if "supervisor" in person.roles:
                lines = await supervisor_lines(conn, person, now)
                if lines:
                    messages += render(lines, person.language, person.unit or "-")
            if not messages or not await nudges.record(
                conn,
                person_id=person.id,
                kind="digest",
                period=monday.isoformat(),
                local_date=weeks.local_date(now, person.timezone),
                now=now,
            ):
                continue
            for number, text in enumerate(messages):
                await outbox.enqueue(
                    conn,
                    dedup_key=f"digest:{person.id}:{monday}:{number}",
                    chat_id=person.telegram_id,
                    person_id=person.id,
                    text=text,
                    now=now,
                )
            sent += 1
    if sent:
        svc.outbox_wake()
    return sent
