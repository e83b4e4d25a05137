"""Weekly digests: for each supervisor, the people of their unit; for coordinators, the
programme as a whole. Status only, never what anyone wrote in a reflection.

Sent on the digest day (Monday by default) at the digest time (07:30 by default) in the
recipient's zone; caught up within three days (``PEMBINA_DIGEST_GRACE_DAYS``) if the bot
was down, once: each digest is recorded like a nudge before it is queued. Also on demand
with /ringkasan.

A supervisor's digest carries a chart of the unit's weekly submission rate. Digests are
queued as notices (figures, not wording: ``bot.presenter.digest`` words them in the
reader's language when sent), and the sender draws the chart just before sending
(``bot.chart``), so no image is stored per supervisor.

Built for a province: the Monday run reads a batch of supervisors' people in a few
statements and builds their lines straight from the facts' bits (``digest_lines``), in a
read transaction; they are only recorded and queued in a short write transaction, so
people using the bot are not held up by it. /ringkasan builds a unit the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import timezones
from bot.flows import digest_lines, weeks
from bot.flows.bulk import bulk
from bot.flows.identity import Viewer
from bot.flows.progress import MenteeProgress, counted
from bot.flows.services import Services
from storage import (
    nudges,
    outbox,
    people,
    prefs,
    programmes,
    progress_facts,
    ratings,
    weekly_facts,
)
from storage.models import Person

log = logging.getLogger(__name__)

STALE_REVIEW_DAYS = digest_lines.STALE_REVIEW_DAYS
BUSIEST = 5
# Names listed of mentees without a mentor, and of people who cannot be reached; the rest
# are counted (/siapa lists every mentee waiting for a mentor, a page at a time). A
# programme just begun has everyone unmatched: 100 000 names were hundreds of messages.
NAMES_SHOWN = 30
BATCH = 25  # recipients built in one read and queued in one write


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
class Notice:
    """One message of a digest as facts: a notice kind and its params (``bot.presenter``
    words it for the reader, when sent or when shown by /ringkasan)."""

    kind: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Written:
    """A notice whose params the Monday run wrote straight as JSON text
    (``digest_lines.Unit.params``): queued as it is; ``params`` reads it back."""

    kind: str
    text: digest_lines.Encoded

    @property
    def params(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.text)
        return found


Built = Notice | Written  # a notice of the Monday run


def weekly_rates(lines: list[Line]) -> list[tuple[date, int, int]]:
    """(week, reflected, expected) for every week that counted for someone in ``lines``."""
    # Counted in C (Counter over whole sets), not week by week in Python: a province's
    # Monday is 100 000 people x 52 weeks. Every week reflected inside the programme so far
    # is due (``progress.counted``), so reflected = done weeks among the due ones. Most
    # people of a cohort share one tuple of due weeks (``progress.from_weeks``): expected
    # weeks are counted once per tuple, and each tuple is made a set once.
    cohorts: dict[int, tuple[tuple[date, ...], frozenset[date], list[int]]] = {}
    reflected: Counter[date] = Counter()
    for line in lines:
        due = line.progress.due_weeks
        cohort = cohorts.get(id(due))
        if cohort is None:
            cohort = cohorts[id(due)] = (due, frozenset(due), [0])
        cohort[2][0] += 1
        reflected.update(line.progress.done_weeks & cohort[1])
    expected: Counter[date] = Counter()
    for due, _, (n,) in cohorts.values():
        for week in due:
            expected[week] += n
    return [(week, reflected[week], expected[week]) for week in sorted(expected)]


async def supervisor_digest(
    conn: AsyncConnection, supervisor: Person, now: datetime
) -> list[Notice] | None:
    """/ringkasan: a supervisor's digest and its chart (if any week counted), built as
    the Monday run builds it (``digest_lines``) but also while nobody owed last week's
    reflection; None if none of their people take part. (``tests/test_digest3_lines.py``
    holds its lines to each person's ``MenteeProgress``, what /progres shows.)"""
    unit = (await digest_lines.units(conn, [supervisor.id], now)).get(supervisor.id)
    if unit is None or not unit.lines:
        return None
    return [
        item if isinstance(item, Notice) else Notice(item.kind, item.params)
        for item in _unit_built(unit)
    ]


async def coordinator_digest(
    conn: AsyncConnection, now: datetime, *, news_only: bool = False
) -> Notice | None:
    """Programme-wide: last week's submission rate per unit, the mentors with the most
    reviews waiting, session ratings per mentor, mentees without a mentor, people who
    cannot be reached. None while no active programme has mentees, or (``news_only``,
    the scheduled run) while no mentee owed last week's reflection yet.

    Aggregates in a few queries over the whole province, never a query per person.
    """
    zones = await weekly_facts.active_zones(conn)
    if not zones:
        return None  # no mentee in an active programme: nothing to report
    by_week: dict[date, list[str]] = {}
    for zone in zones:
        by_week.setdefault(weeks.week_start(now, zone) - timedelta(days=7), []).append(zone)
    every = {p.id: p for p in await programmes.list_programmes(conn)}
    units: dict[str, list[int]] = {}  # unit -> [reflected, due], counted like /progres
    for week, living in sorted(by_week.items()):
        for unit, programme_id, zone, n, done in await weekly_facts.week_tally(conn, week, living):
            programme = every[programme_id]
            # counted() for those who reflected that week, and for those who did not.
            due_done = counted(programme, week, zone, now, True)
            due_not = counted(programme, week, zone, now, False)
            tally = units.setdefault(unit or "-", [0, 0])
            tally[0] += done if due_done else 0
            tally[1] += (done if due_done else 0) + (n - done if due_not else 0)
    if news_only and not any(due for _, due in units.values()):
        return None  # the programmes have just begun: no week was due yet
    waiting = await progress_facts.waiting_by_mentor(conn)
    busiest = sorted(waiting.items(), key=lambda item: (-item[1], item[0]))[:BUSIEST]
    names = {p.id: p.name for p in await people.get_people(conn, [m for m, _ in busiest])}
    unmatched, unmatched_all = await progress_facts.unmatched_names(conn, NAMES_SHOWN)
    unreachable, unreachable_all = await people.unreachable_names(conn, NAMES_SHOWN)
    return Notice(
        "digest.coordinator",
        {
            "units": [[unit, done, due] for unit, (done, due) in sorted(units.items())],
            "busiest": [[names[m], n] for m, n in busiest],
            "ratings": [
                [r.name, r.average, r.rated, r.notes] for r in await ratings.mentor_averages(conn)
            ],
            "unmatched": unmatched,
            "unmatched_more": unmatched_all - len(unmatched),
            "unreachable": unreachable,
            "unreachable_more": unreachable_all - len(unreachable),
        },
    )


@bulk
async def on_demand(svc: Services, viewer: Viewer) -> list[Notice] | None:
    """/ringkasan: a supervisor's unit digest, or a coordinator's view of everyone (the
    same notices the weekly run queues; the handler words them)."""
    now = svc.clock.now()
    async with svc.db.read() as conn:
        if viewer.is_coordinator:
            overview = await coordinator_digest(conn, now)
            return [overview or Notice("digest.no_programmes", {})]
        if viewer.person is not None and "supervisor" in viewer.person.roles:
            found = await supervisor_digest(conn, viewer.person, now)
            title = viewer.person.unit or viewer.person.name
            return found or [Notice("digest.supervisor", {"title": title, "lines": []})]
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
    conn: AsyncConnection, now: datetime, made: list[list[Notice]]
) -> list[Notice]:
    """The programme-wide digest, built once per run however many coordinators read it
    (it is worded for each when sent); empty while no programme has mentees."""
    if not made:
        overview = await coordinator_digest(conn, now, news_only=True)
        made.append([overview] if overview else [])
    return made[0]


async def _build_many(
    conn: AsyncConnection, batch: list[Person], now: datetime, overviews: list[list[Notice]]
) -> list[list[Built]]:
    """The digests of several recipients: their supervisors' people are read together
    and their lines built straight from the facts (``digest_lines``: a few statements per
    batch, a small dict a line), in the order /ringkasan lists them."""
    supervisors = [p.id for p in batch if "supervisor" in p.roles]
    theirs = await digest_lines.units(conn, supervisors, now)
    found = []
    for person in batch:
        await asyncio.sleep(0)  # let replies through between two recipients
        notices: list[Built] = []
        if "coordinator" in person.roles:
            notices += await _overview(conn, now, overviews)
        if "supervisor" in person.roles:
            notices += _unit_notices(theirs.get(person.id))
        found.append(notices)
    return found


def _unit_notices(unit: digest_lines.Unit | None) -> list[Built]:
    """A supervisor's scheduled digest and its chart: nothing while none of their people
    owed last week's reflection."""
    if unit is None or not unit.lines or not unit.owed_last_week():
        return []
    return _unit_built(unit)


def _unit_built(unit: digest_lines.Unit) -> list[Built]:
    """A unit's digest (its lines as written) and its chart, if any week counted."""
    found: list[Built] = [Written("digest.supervisor", unit.params())]
    points = unit.rates()
    if points:
        found.append(Notice("digest.chart", {"unit": unit.title(), "points": points}))
    return found


async def _queue(
    conn: AsyncConnection,
    key: str,
    chat_id: int,
    person_id: int | None,
    digest: list[Notice],
    now: datetime,
) -> bool:
    """Queue a digest's notices (the chart's under ``:chart``); False if queued before."""
    queued = False
    for number, item in enumerate(digest):
        suffix = "chart" if item.kind == "digest.chart" else str(number)
        queued |= await outbox.enqueue(
            conn,
            dedup_key=f"{key}:{suffix}",
            chat_id=chat_id,
            person_id=person_id,
            now=now,
            kind=item.kind,
            params=item.params,
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
    overviews: list[list[Notice]] = []
    waiting = [(person, slot) for person, slot in due if (person.id, slot.isoformat()) not in done]
    # A batch is recorded and queued while the next one is built: the write is mostly
    # the database's own work (30 MB of digests for a province), on a thread of its own.
    writing: asyncio.Task[int] | None = None
    try:
        for start in range(0, len(waiting), BATCH):
            batch = waiting[start : start + BATCH]
            built = await _build_batch(svc, [person for person, _ in batch], now, overviews)
            if writing is not None:
                sent += await writing
            writing = asyncio.create_task(_record_and_queue(svc, batch, built, now))
    finally:
        if writing is not None:  # never left running, even when a build failed
            sent += await writing
    sent += await _admins(svc, now, overviews)
    if sent:
        svc.outbox_wake()
    return sent


async def _record_and_queue(
    svc: Services,
    batch: list[tuple[Person, date]],
    built: list[list[Built] | None],
    now: datetime,
) -> int:
    """Record a batch's digests and queue the notices of those recorded now, in one short
    write of two statements (every digest is still recorded before it is queued: one that
    another run recorded first is not queued twice); returns the digests queued."""
    rows = [
        {
            "person_id": person.id,
            "kind": "digest",
            "period": slot.isoformat(),
            "local_date": weeks.local_date(now, person.timezone),
            "created_at": now,
        }
        for (person, slot), digest in zip(batch, built, strict=True)
        if digest is not None  # None: could not be built, tried again next minute
    ]
    sent = 0
    async with svc.db.write() as conn:
        recorded = await nudges.record_many(conn, rows)
        messages = []
        for (person, slot), digest in zip(batch, built, strict=True):
            if not digest or (person.id, "digest", slot.isoformat()) not in recorded:
                continue  # nothing to say, or another run took it meanwhile
            assert person.telegram_id is not None
            messages += _messages(
                f"digest:{person.id}:{slot}", person.telegram_id, person.id, digest, now
            )
            sent += 1
        await outbox.enqueue_many_written(conn, messages)
    return sent


def _messages(
    key: str, chat_id: int, person_id: int | None, digest: list[Built], now: datetime
) -> list[dict[str, Any]]:
    """A digest's outbox rows (the chart's keyed ``:chart``) with their params as JSON
    text, for one statement of many."""
    found = []
    for number, item in enumerate(digest):
        message = outbox.row(
            dedup_key=f"{key}:{'chart' if item.kind == 'digest.chart' else number}",
            chat_id=chat_id,
            person_id=person_id,
            now=now,
            kind=item.kind,
        )
        message["params"] = item.text if isinstance(item, Written) else json.dumps(item.params)
        found.append(message)
    return found


async def _build_batch(
    svc: Services, batch: list[Person], now: datetime, overviews: list[list[Notice]]
) -> list[list[Built] | None]:
    """Each recipient's digest, read in one transaction for the batch; if that fails, one
    by one, so one bad digest does not hold up the others (None: not built)."""
    try:
        async with svc.db.read() as conn:
            return list(await _build_many(conn, batch, now, overviews))
    except Exception:
        log.exception("a batch of digests could not be built; building them one by one")
    found: list[list[Built] | None] = []
    for person in batch:
        try:
            async with svc.db.read() as conn:
                found += await _build_many(conn, [person], now, overviews)
        except Exception:  # one bad digest must not hold up everyone after it
            log.exception(
                "digest for person %s could not be built; retried next minute", person.id
            )
            found.append(None)
    return found


async def _admins(svc: Services, now: datetime, overviews: list[list[Notice]]) -> int:
    """Coordinators configured by Telegram id with no roster row: the programme digest at
    the time of the zone they chose (or the default; worded in their language when sent).
    Once, by the outbox's key."""
    sent = 0
    for telegram_id in sorted(svc.admin_ids):
        async with svc.db.read() as conn:
            if await people.get_person_by_telegram(conn, telegram_id) is not None:
                continue  # on the roster: served above, by role
            saved = await prefs.get_prefs(conn, telegram_id)
            zone = (saved.timezone if saved else None) or svc.default_timezone
            slot = _slot(svc, now, zone)
            key = f"digest:admin:{telegram_id}:{slot}"
            if slot is None or await outbox.exists(conn, f"{key}:0"):
                continue
            digest = await _overview(conn, now, overviews)
        if not digest:
            continue
        async with svc.db.write() as conn:
            sent += await _queue(conn, key, telegram_id, None, digest, now)
    return sent
