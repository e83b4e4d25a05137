"""Weekly digests: for each supervisor, the people of their unit; for coordinators, the
programme as a whole. Status only, never what anyone wrote in a reflection.

Sent on the digest day (Monday by default) at the digest time (07:30 by default) in the
recipient's zone; caught up within three days (``PEMBINA_DIGEST_GRACE_DAYS``) if the bot
was down, once: each digest is recorded like a nudge before it is queued. Also on demand
with /ringkasan.

A supervisor's digest carries a chart of the unit's weekly submission rate. The outbox
holds the chart's figures, and the sender draws it just before sending
(``bot.chart``), so no image is stored per supervisor.

Built for a province: figures are read in bulk (``storage.progress_facts``), each
recipient's digest is built in a read transaction and only recorded and queued in a short
write transaction, so people using the bot are not held up by the Monday run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import timezones
from bot.flows import ratings, weeks
from bot.flows.identity import Viewer
from bot.flows.progress import (
    JP_TARGET,
    REFLECTED,
    MenteeProgress,
    WeekState,
    counted,
    progress_of,
)
from bot.flows.services import Services
from bot.i18n import Html, number, plain, t
from bot.text_split import split_text
from storage import nudges, outbox, people, prefs, programmes, progress_facts
from storage.models import Person

log = logging.getLogger(__name__)

STALE_REVIEW_DAYS = 7
BUSIEST = 5


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


@dataclass(frozen=True, slots=True)
class Digest:
    """What one recipient gets: messages, and the figures of a chart to draw, if any."""

    messages: list[str]
    chart: dict[str, Any] | None = None
    chart_caption: str = ""


async def _lines_for(conn: AsyncConnection, members: list[Person], now: datetime) -> list[Line]:
    progress = await progress_of(conn, members, now, active_only=True)
    last = await progress_facts.last_sessions(conn, [p.id for p in members])
    return [
        Line(
            p,
            last[p.person.id].strftime("%d-%m-%Y") if p.person.id in last else None,
            p.person.status == "unreachable",
        )
        for p in progress
    ]


async def supervisor_lines(conn: AsyncConnection, supervisor: Person, now: datetime) -> list[Line]:
    return await _lines_for(conn, await people.supervised_by(conn, supervisor.id), now)


@dataclass(frozen=True, slots=True)
class Tally:
    """Last week's reflections of a group: how many were due and how many came."""

    done: int = 0
    due: int = 0

    def add(self, counted: bool, done: bool) -> Tally:
        return Tally(self.done + (counted and done), self.due + counted)


def last_week_tally(lines: list[Line]) -> Tally:
    """Last week's reflections of ``lines``, by the same rule as the coordinator's
    per-unit rates (``progress.counted``)."""
    tally = Tally()
    for line in lines:
        p = line.progress
        if p.this_week is not None:
            week = p.this_week - timedelta(days=7)
            tally = tally.add(week in p.due_weeks, week in p.done_weeks)
    return tally


def rate(language: str, tally: Tally) -> Html:
    """``1/2 (50%)``, or a dash-like note when nothing was due."""
    if not tally.due:
        return t(language, "digest.rate_none")
    percent = number(100 * tally.done / tally.due, language, 0)
    return t(language, "digest.rate", done=tally.done, total=tally.due, percent=percent)


def units_of(lines: list[Line]) -> dict[str, list[Line]]:
    """The lines grouped by each person's own unit (not the supervisor's), units in order."""
    grouped: dict[str, list[Line]] = {}
    for line in lines:
        grouped.setdefault(line.progress.person.unit or "-", []).append(line)
    return dict(sorted(grouped.items()))


def title_of(lines: list[Line], fallback: str) -> str:
    """The units the listed people belong to: a digest is titled with what it lists."""
    return ", ".join(units_of(lines)) or fallback


def _week(language: str, p: MenteeProgress, week: date, now: datetime) -> Html:
    state = p.state(week, now)
    if state is WeekState.OPEN:
        due = week + timedelta(days=p.programme.reflection_weekday)
        return t(
            language,
            "digest.week.open",
            weekday=t(language, f"weekday.{due.weekday()}"),
            day=due.strftime("%d-%m"),
        )
    return t(language, f"digest.week.{state.value}")


def _waiting(language: str, p: MenteeProgress) -> Html:
    if not p.pending_reviews:
        return t(language, "digest.waiting_none")
    if p.oldest_waiting_days < 1:
        return t(language, "digest.waiting_today", pending=p.pending_reviews)
    return t(language, "digest.waiting", pending=p.pending_reviews, days=p.oldest_waiting_days)


def _line(language: str, line: Line, now: datetime) -> Html:
    lang, p = language, line.progress
    this_week = p.this_week or weeks.week_start(now, p.person.timezone)
    paused_until = p.person.nudges_paused_until
    flags = ", ".join(t(lang, f"digest.flag.{f}") for f in line.at_risk)
    return t(
        lang,
        "digest.line",
        name=p.person.name,
        programme=p.programme.name,
        paused=(
            t(
                lang,
                "digest.paused",
                # A pause ends at midnight after the last day off: name that day.
                until=weeks.local_date(
                    paused_until - timedelta(seconds=1), p.person.timezone
                ).strftime("%d-%m-%Y"),
            )
            if paused_until is not None and p.paused(now)
            else ""
        ),
        week=_week(lang, p, this_week, now),
        last_week=_week(lang, p, this_week - timedelta(days=7), now),
        streak=p.streak,
        waiting=_waiting(lang, p),
        session=line.last_session or "-",
        jp=number(p.jp_year, lang),
        target=JP_TARGET,
        flags=Html(f"\n⚠️ {flags}") if flags else "",
    )


def render(lines: list[Line], language: str, title: str, now: datetime) -> list[str]:
    """Messages (split below Telegram's limit) for a list of people, unit by unit, each
    unit with last week's rate counted like the coordinator's."""
    lang = language
    parts = [t(lang, "digest.header", title=title, count=len(lines))]
    for unit, members in units_of(lines).items():
        parts.append(
            t(
                lang,
                "digest.unit_header",
                unit=unit,
                count=len(members),
                rate=rate(lang, last_week_tally(members)),
            )
        )
        parts += [_line(lang, line, now) for line in members]
    if not lines:
        parts.append(t(lang, "digest.empty"))
    return split_text("\n\n".join(parts), 4000)


def weekly_rates(lines: list[Line]) -> list[tuple[date, int, int]]:
    """(week, reflected, expected) for every week that counted for someone in ``lines``."""
    expected: dict[date, int] = {}
    reflected: dict[date, int] = {}
    for line in lines:
        for week in line.progress.due_weeks:
            expected[week] = expected.get(week, 0) + 1
            reflected[week] = reflected.get(week, 0) + (week in line.progress.done_weeks)
    return [(week, reflected[week], expected[week]) for week in sorted(expected)]


def chart_figures(lines: list[Line], language: str, unit: str) -> dict[str, Any] | None:
    """The chart of a unit's weekly submission rate, as JSON-ready figures (None: no weeks)."""
    rates = weekly_rates(lines)
    if not rates:
        return None
    return {
        "title": plain(language, "digest.chart.title", unit=unit),
        "y_axis": plain(language, "digest.chart.y_axis"),
        "x_axis": plain(language, "digest.chart.x_axis"),
        "points": [[week.isoformat(), done, due] for week, done, due in rates],
    }


async def supervisor_digest(
    conn: AsyncConnection,
    supervisor: Person,
    language: str,
    now: datetime,
    *,
    news_only: bool = False,
) -> Digest | None:
    """A supervisor's digest with its chart; None if none of their people take part, or
    (``news_only``, the scheduled run) if none of them owed last week's reflection yet:
    a programme that has just begun has nothing to report."""
    lines = await supervisor_lines(conn, supervisor, now)
    if not lines or (news_only and not last_week_tally(lines).due):
        return None
    title = title_of(lines, supervisor.unit or supervisor.name)
    return Digest(
        messages=render(lines, language, title, now),
        chart=chart_figures(lines, language, title),
        chart_caption=t(language, "digest.chart.caption", unit=title),
    )


async def coordinator_digest(
    conn: AsyncConnection, language: str, now: datetime, *, news_only: bool = False
) -> list[str]:
    """Programme-wide: last week's submission rate per unit, the mentors with the most
    reviews waiting, mentees without a mentor, people who cannot be reached. Nothing
    (an empty list) while no active programme has mentees, or (``news_only``, the
    scheduled run) while no mentee owed last week's reflection yet.

    Aggregates in a few queries over the whole province, never a query per person.
    """
    lang = language
    enrolments = await progress_facts.active_enrolments(conn)
    if not enrolments:
        return []  # no mentee in an active programme: nothing to report
    every = {p.id: p for p in await programmes.list_programmes(conn)}
    last_week = {
        e.timezone: weeks.week_start(now, e.timezone) - timedelta(days=7) for e in enrolments
    }
    reflected = await progress_facts.reflected_in(conn, list(last_week.values()), REFLECTED)
    units: dict[str, Tally] = {}
    for e in enrolments:
        week = last_week[e.timezone]
        done = (e.person_id, e.programme_id, week) in reflected
        due = counted(every[e.programme_id], week, e.timezone, now, done)
        units[e.unit or "-"] = units.get(e.unit or "-", Tally()).add(due, done)
    if news_only and not any(tally.due for tally in units.values()):
        return []  # the programmes have just begun: no week was due yet
    parts: list[str] = [t(lang, "digest.coordinator_header")]
    parts += [
        t(lang, "digest.unit_rate", unit=unit, rate=rate(lang, tally))
        for unit, tally in sorted(units.items())
    ]
    waiting = await progress_facts.waiting_by_mentor(conn)
    busiest = sorted(waiting.items(), key=lambda item: (-item[1], item[0]))[:BUSIEST]
    names = {p.id: p.name for p in await people.get_people(conn, [m for m, _ in busiest])}
    parts.append(t(lang, "digest.busiest_header"))
    parts += [t(lang, "digest.busiest_line", name=names[m], count=n) for m, n in busiest]
    if not busiest:
        parts.append(t(lang, "digest.none"))
    parts += await ratings.digest_section(conn, lang)
    unmatched = await people.get_people(conn, await progress_facts.unmatched_mentees(conn))
    parts.append(t(lang, "digest.unmatched", names=", ".join(p.name for p in unmatched) or "-"))
    unreachable = await people.unreachable(conn)
    parts.append(
        t(lang, "digest.unreachable", names=", ".join(p.name for p in unreachable) or "-")
    )
    return split_text("\n".join(parts), 4000)


async def on_demand(svc: Services, viewer: Viewer) -> Digest | None:
    """/ringkasan: a supervisor's unit digest, or a coordinator's view of everyone."""
    now = svc.clock.now()
    async with svc.db.read() as conn:
        if viewer.is_coordinator:
            overview = await coordinator_digest(conn, viewer.language, now)
            return Digest(overview or [t(viewer.language, "digest.no_programmes")])
        if viewer.person is not None and "supervisor" in viewer.person.roles:
            found = await supervisor_digest(conn, viewer.person, viewer.language, now)
            title = viewer.person.unit or viewer.person.name
            return found or Digest(render([], viewer.language, title, now))
    return None


def _slot(svc: Services, now: datetime, zone: str) -> date | None:
    """The digest day whose digest is due now in ``zone`` (within the grace), if any."""
    this_week = weeks.week_start(now, zone)
    for week in (this_week, this_week - timedelta(days=7)):
        day = week + timedelta(days=svc.digest_weekday)
        start = weeks.local_instant(day, svc.digest_time, zone)
        if start <= now < start + svc.digest_grace:
            return day
    return None


async def _overview(
    conn: AsyncConnection, language: str, now: datetime, made: dict[str, list[str]]
) -> list[str]:
    """The programme-wide digest in ``language``, built once per run however many
    coordinators read that language."""
    if language not in made:
        made[language] = await coordinator_digest(conn, language, now, news_only=True)
    return made[language]


async def _build(
    conn: AsyncConnection, person: Person, now: datetime, overviews: dict[str, list[str]]
) -> Digest:
    messages: list[str] = []
    if "coordinator" in person.roles:
        messages += await _overview(conn, person.language, now, overviews)
    found = None
    if "supervisor" in person.roles:
        found = await supervisor_digest(conn, person, person.language, now, news_only=True)
    if found is None:
        return Digest(messages)
    return Digest(messages + found.messages, found.chart, found.chart_caption)


async def _queue(
    conn: AsyncConnection,
    key: str,
    chat_id: int,
    person_id: int | None,
    digest: Digest,
    now: datetime,
) -> bool:
    """Queue a digest's messages and chart; False if this digest was queued before."""
    queued = False
    for part, text in enumerate(digest.messages):
        queued |= await outbox.enqueue(
            conn,
            dedup_key=f"{key}:{part}",
            chat_id=chat_id,
            person_id=person_id,
            text=text,
            now=now,
        )
    if digest.chart is not None:
        queued |= await outbox.enqueue(
            conn,
            dedup_key=f"{key}:chart",
            chat_id=chat_id,
            person_id=person_id,
            text=digest.chart_caption,
            now=now,
            chart=digest.chart,
        )
    return queued


async def weekly(svc: Services) -> int:
    """Each supervisor with people in active programmes gets their unit's digest, each
    coordinator (on the roster or configured by id) the programme-wide one."""
    now = svc.clock.now()
    sent = 0
    due: list[tuple[Person, date]] = []
    done: set[tuple[int, str]] = set()
    # Most minutes of the week no zone is in a digest window: then nobody is even loaded.
    if any(_slot(svc, now, zone) for zone in timezones.STORED_ZONES):
        async with svc.db.read() as conn:
            due = [
                (person, slot)
                for person in await people.bound_with_roles(conn, ("supervisor", "coordinator"))
                if (slot := _slot(svc, now, person.timezone)) is not None
            ]
            done = await nudges.recorded(conn, "digest", {slot.isoformat() for _, slot in due})
    overviews: dict[str, list[str]] = {}
    for person, slot in due:
        if (person.id, slot.isoformat()) in done:
            continue
        try:
            async with svc.db.read() as conn:
                digest = await _build(conn, person, now, overviews)
        except Exception:  # one bad digest must not hold up everyone after it
            log.exception(
                "digest for person %s could not be built; retried next minute", person.id
            )
            continue
        assert person.telegram_id is not None
        async with svc.db.write() as conn:
            if not await nudges.record(
                conn,
                person_id=person.id,
                kind="digest",
                period=slot.isoformat(),
                local_date=weeks.local_date(now, person.timezone),
                now=now,
            ):
                continue  # another run took it meanwhile
            if digest.messages:
                await _queue(
                    conn, f"digest:{person.id}:{slot}", person.telegram_id, person.id, digest, now
                )
                sent += 1
    sent += await _admins(svc, now, overviews)
    if sent:
        svc.outbox_wake()
    return sent


async def _admins(svc: Services, now: datetime, overviews: dict[str, list[str]]) -> int:
    """Coordinators configured by Telegram id with no roster row: the programme digest in
    the language and zone they chose (or the defaults). Once, by the outbox's key."""
    sent = 0
    for telegram_id in sorted(svc.admin_ids):
        async with svc.db.read() as conn:
            if await people.get_person_by_telegram(conn, telegram_id) is not None:
                continue  # on the roster: served above, by role
            saved = await prefs.get_prefs(conn, telegram_id)
            zone = (saved.timezone if saved else None) or svc.default_timezone
            language = (saved.language if saved else None) or svc.default_language
            slot = _slot(svc, now, zone)
            key = f"digest:admin:{telegram_id}:{slot}"
            if slot is None or await outbox.exists(conn, f"{key}:0"):
                continue
            digest = Digest(await _overview(conn, language, now, overviews))
        if not digest.messages:
            continue
        async with svc.db.write() as conn:
            sent += await _queue(conn, key, telegram_id, None, digest, now)
    return sent
