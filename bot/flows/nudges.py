"""Nudges: the gentle reminders the bot sends by itself, through the outbox.

- Reflection due: on the programme's reflection day at 09:00 in the mentee's own zone
  (the next working day if that day is a holiday), to mentees who have not sent that
  week's reflection; a reminder two working days later.
- Review waiting: to mentors with reflections waiting more than 48 hours, listing them.

Working days only, 07:00-20:00 local, at most one nudge a day per person, never while
paused (``/jeda``, or a Snooze button). A population's nudges are spread over the rest of
their window at a rate the bot can keep (``bot.flows.planning``); the sender asks
:func:`still_wanted` just before each goes, so a reflection sent (or a pause) before a
nudge's planned minute stops it. A run missed while the bot was down is caught up
within 24 hours (``PEMBINA_NUDGE_GRACE_HOURS``), once: every nudge is recorded (kind,
period) before it is queued.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import timezones
from bot.flows import planning, weeks, workdays
from bot.flows.services import Services
from storage import nudges, outbox, pairings, people, programmes, reflections, send_plan
from storage.models import Milestone, Person, Programme, Reflection

log = logging.getLogger(__name__)

NUDGE_AT = time(9, 0)
REVIEW_AFTER = timedelta(hours=48)
SNOOZE_DAYS = (1, 7)
# Nudges recorded and queued per write transaction at most: whole planned minutes (1 392
# at the default rate), about 25 ms of SQLite work for a province's Friday.
WRITE_BATCH = 1500


def _may_nudge(person: Person, now: datetime) -> bool:
    if person.telegram_id is None or person.status != "active":
        return False
    if person.nudges_paused_until is not None and person.nudges_paused_until > now:
        return False
    local = weeks.local_datetime(now, person.timezone)
    return workdays.is_working_day(local.date()) and workdays.within_working_hours(local)


@dataclass(frozen=True, slots=True)
class _Due:
    """A mentor's review or offer nudge found due by a read-only scan, to be recorded and
    queued (a population's nudges are a :class:`_Population`)."""

    person_id: int
    chat_id: int  # the person's Telegram id
    zone: str  # the person's time zone (their window and their local day)
    kind: str
    period: str
    notice: str  # the outbox notice kind (bot.presenter.nudges words it when sent)
    params: dict[str, Any]

    @classmethod
    def of(
        cls, person: Person, kind: str, period: str, notice: str, params: dict[str, Any]
    ) -> _Due:
        assert person.telegram_id is not None  # _may_nudge checked it
        return cls(person.id, person.telegram_id, person.timezone, kind, period, notice, params)


@dataclass(frozen=True, slots=True)
class _Population:
    """One nudge found due to many people by a read-only scan (a programme's week or
    milestone): the people as plain parallel lists, not an object each, since a
    province's Friday is tens of thousands and every object a minute allocates brings
    Python's full garbage collection nearer."""

    kind: str
    period: str
    notice: str  # the outbox notice kind (bot.presenter.nudges words it when sent)
    params: dict[str, Any]
    person_ids: list[int]
    zones: list[str]  # each person's time zone (their window and their local day)

    @classmethod
    def of(
        cls,
        rows: list[tuple[int, int, str]],
        nudge: tuple[str, str, str, dict[str, Any]],
        told: set[int],
    ) -> _Population:
        """The people of ``rows`` (:func:`storage.nudges.due_chats`) not ``told`` of
        something nearer in this run; adds them to ``told``."""
        person_ids, zones = [], []
        for person_id, _, zone in rows:
            if person_id not in told:
                person_ids.append(person_id)
                zones.append(zone)
        told.update(person_ids)
        kind, period, notice, params = nudge
        return cls(kind, period, notice, params, person_ids, zones)


async def _deliver(svc: Services, due: list[_Due]) -> int:
    """Record and queue a mentor's review or offer nudges, a row each, a batch per write
    transaction. The database is the check: it refuses a second record
    (``uq_nudges_once``: each nudge once; ``uq_nudges_daily``: one a day) whether an
    earlier run, this batch or another process meanwhile recorded the first, and only
    what was recorded here is queued, so a race cannot send twice. They go at once: one
    per mentor, and what they list (reflections waiting, an open offer) is best read
    fresh."""
    now = svc.clock.now()
    days = {zone: weeks.local_date(now, zone) for zone in {d.zone for d in due}}
    sent = 0
    for batch in _chunks(range(len(due))):
        found = [due[i] for i in batch]
        async with svc.db.write() as conn:
            recorded = await nudges.record_many(conn, [_record(d, now, days) for d in found])
            free = [d for d in found if (d.person_id, d.kind, d.period) in recorded]
            await outbox.enqueue_many(conn, [_message(d, now) for d in free])
        sent += len(free)
        if free:
            svc.outbox_wake()
    return sent


async def _deliver_planned(
    svc: Services, populations: list[_Population], late: list[planning.Late] | None
) -> int:
    """Record and queue a population's reflection or milestone nudges, like
    :func:`_deliver` (the unique indexes decide; only what was recorded is queued), but
    each with its own send time over the rest of its window (``bot.flows.planning``;
    what does not fit is added to ``late`` and logged), and set-wise: a write
    transaction records and queues up to :data:`WRITE_BATCH` of one nudge in a few
    statements (:func:`_record_and_queue`), so people using the bot wait at most one
    such transaction, not a province's Friday."""
    now = svc.clock.now()
    zones = [zone for population in populations for zone in population.zones]
    if not zones:
        return 0
    slots = await _plan(svc, zones, now)
    days = {zone: weeks.local_date(now, zone) for zone in set(zones)}
    recorded: list[int] = []  # indexes into ``zones`` and ``slots``
    start = 0
    for population in populations:
        for batch in _batches(range(start, start + len(population.zones)), zones, slots, days):
            async with svc.db.write() as conn:
                free = await _record_and_queue(conn, population, start, batch, slots, now, days)
            recorded += free
            if free:
                svc.outbox_wake()  # the sender starts on the first batch while the rest waits
        start += len(population.zones)
    recorded.sort()
    overflow = planning.late(now, [zones[i] for i in recorded], [slots[i] for i in recorded])
    for item in overflow:
        log.warning(
            "%d nudge(s) to %s do not fit before %s at %.1f/s; the last goes at %s",
            item.count,
            item.zone,
            item.window_end.isoformat(),
            svc.nudge_rate,
            item.last.isoformat(),
        )
    if late is not None:
        late += overflow
    return len(recorded)


def _chunks(indexes: Sequence[int]) -> list[list[int]]:
    return [list(indexes[i : i + WRITE_BATCH]) for i in range(0, len(indexes), WRITE_BATCH)]


def _batches(
    indexes: range, zones: list[str], slots: list[datetime], days: dict[str, date]
) -> list[list[int]]:
    """One population's nudges in write batches of one local day each, in planned order
    and made of whole planned minutes while they fit in :data:`WRITE_BATCH` (a minute
    larger than that is cut): a batch is then recorded in one statement and queued in
    one per minute, one at the default rate. Within one nudge everyone is someone else,
    so the order decides nothing about who is recorded; populations go in the order they
    were found, so of two nudges to one person (two programmes) the first is recorded."""
    by_day: dict[date, list[int]] = {}
    for i in indexes:
        by_day.setdefault(days[zones[i]], []).append(i)
    batches: list[list[int]] = []
    for members in by_day.values():
        batch: list[int] = []
        for _, planned in itertools.groupby(
            sorted(members, key=slots.__getitem__), slots.__getitem__
        ):
            minute = list(planned)
            if batch and len(batch) + len(minute) > WRITE_BATCH:
                batches.append(batch)
                batch = []
            while len(batch) + len(minute) > WRITE_BATCH:
                cut = WRITE_BATCH - len(batch)
                batches.append(batch + minute[:cut])
                batch, minute = [], minute[cut:]
            batch += minute
        if batch:
            batches.append(batch)
    return batches


async def _record_and_queue(
    conn: AsyncConnection,
    population: _Population,
    start: int,
    batch: list[int],
    slots: list[datetime],
    now: datetime,
    days: dict[str, date],
) -> list[int]:
    """Record and queue a batch (see :func:`_batches`; ``start`` is where the population
    begins in ``slots``) set-wise; returns the indexes recorded (and queued). One
    ``INSERT ... SELECT`` records it, then one per planned minute queues who was
    recorded; the ids go as one parameter each, so no row is built in Python and each
    statement is compiled once."""
    ids = population.person_ids
    recorded = await nudges.record_each(
        conn,
        [ids[i - start] for i in batch],
        kind=population.kind,
        period=population.period,
        local_date=days[population.zones[batch[0] - start]],
        now=now,
    )
    free = [i for i in batch if ids[i - start] in recorded]
    by_slot: dict[datetime, list[int]] = {}
    for i in free:
        by_slot.setdefault(slots[i], []).append(ids[i - start])
    for at, person_ids in by_slot.items():
        await nudges.queue_each(
            conn,
            person_ids,
            kind=population.kind,
            period=population.period,
            notice=population.notice,
            params=population.params,
            at=at,
            now=now,
        )
    return free


async def _plan(svc: Services, zones: list[str], now: datetime) -> list[datetime]:
    """A send time per nudge (to someone in each of ``zones``), around what the outbox
    already holds for the window."""
    async with svc.db.read() as conn:
        backlog, load = await send_plan.waiting_load(conn, now, now + planning.HORIZON)
    return planning.plan(now, zones, rate=svc.nudge_rate, backlog=backlog, load=load)


def _record(due: _Due, now: datetime, days: dict[str, date]) -> dict[str, object]:
    return {
        "person_id": due.person_id,
        "kind": due.kind,
        "period": due.period,
        "local_date": days[due.zone],
        "created_at": now,
    }


def _message(due: _Due, now: datetime) -> dict[str, object]:
    return outbox.row(
        dedup_key=nudges.dedup_key(due.person_id, due.kind, due.period),
        chat_id=due.chat_id,
        person_id=due.person_id,
        now=now,
        kind=due.notice,
        params=due.params,
    )


def _open_zones(now: datetime) -> list[str]:
    """The zones where it is a working day and working hours right now."""
    return [
        zone
        for zone in timezones.STORED_ZONES
        if workdays.is_working_day(weeks.local_date(now, zone))
        and workdays.within_working_hours(weeks.local_datetime(now, zone))
    ]


def _reflection_windows(
    programme: Programme, zone: str, now: datetime, grace: timedelta
) -> list[tuple[str, date]]:
    """(kind, week) of reflection nudges whose window is open now in ``zone``: this week's
    and last week's, in that order; "due" on the reflection day (the next working day if
    it is a holiday) at 09:00, "reminder" two working days later, each for ``grace``."""
    this_week = weeks.week_start(now, zone)
    found = []
    for week in (this_week, this_week - timedelta(days=7)):
        if week + timedelta(days=6) < programme.starts_on or week > programme.ends_on:
            continue
        if not weeks.counts(week, programme.reflection_weekday, programme.starts_on):
            continue
        due_day = workdays.first_working_day_from(
            week + timedelta(days=programme.reflection_weekday)
        )
        if due_day is None:
            continue
        for kind, day in (("due", due_day), ("reminder", workdays.add_working_days(due_day, 2))):
            start = weeks.local_instant(day, NUDGE_AT, zone)
            if start <= now < start + grace:
                found.append((kind, week))
                break
    return found


async def _active_programmes(conn: AsyncConnection) -> list[Programme]:
    return [p for p in await programmes.list_programmes(conn) if p.status == "active"]


async def reflection_nudges(svc: Services, late: list[planning.Late] | None = None) -> int:
    """Mentees who have not sent a week's reflection, when that week's window is open in
    their zone (one week a run: the nearest); spread over the rest of the day (``late``
    gets those that do not fit, see ``bot.flows.planning``)."""
    now = svc.clock.now()
    due: list[_Population] = []
    zones = _open_zones(now)
    async with svc.db.read() as conn:
        for programme in await _active_programmes(conn) if zones else []:
            due += await _reflections_due(conn, programme, zones, now, svc.nudge_grace)
    return await _deliver_planned(svc, due, late)


async def _reflections_due(
    conn: AsyncConnection,
    programme: Programme,
    zones: list[str],
    now: datetime,
    grace: timedelta,
) -> list[_Population]:
    """The reflection nudges due now to a programme's mentees in the open ``zones``: one
    query per window (kind, week, local day) for all the zones it is open in, usually
    one a minute, not one per zone. The nearer week goes first: someone due for this
    week hears nothing of last week's in the same run."""
    windows: dict[tuple[str, date, date], list[str]] = {}
    for zone in zones:
        for kind, week in _reflection_windows(programme, zone, now, grace):
            windows.setdefault((kind, week, weeks.local_date(now, zone)), []).append(zone)
    found: list[_Population] = []
    stopped: set[int] = set()  # told of a nearer week in this run
    nearest_first = sorted(windows.items(), key=lambda window: window[0][1], reverse=True)
    for (kind, week, today), shared in nearest_first:
        period = f"p{programme.id}:{week}"
        rows = await nudges.due_chats(
            conn,
            programme_id=programme.id,
            zones=shared,
            now=now,
            today=today,
            kind=f"reflection_{kind}",
            period=period,
            unreflected_week=week,
        )
        params = {
            "programme_id": programme.id,
            "programme": programme.name,
            "week_start": week.isoformat(),
        }
        nudge = (f"reflection_{kind}", period, f"nudge.reflection_{kind}", params)
        found.append(_Population.of(rows, nudge, stopped))
    return found


async def review_nudges(svc: Services) -> int:
    """Mentors whose reflections have waited more than 48 hours, once a working day."""
    now = svc.clock.now()
    due: list[_Due] = []
    async with svc.db.read() as conn:
        waiting: dict[int, list[Reflection]] = {}
        for mentor_id, reflection in await reflections.waiting_since(conn, now - REVIEW_AFTER):
            waiting.setdefault(mentor_id, []).append(reflection)
        mentors = [m for m in await people.get_people(conn, list(waiting)) if _may_nudge(m, now)]
        mentors = [m for m in mentors if weeks.local_datetime(now, m.timezone).time() >= NUDGE_AT]
        days = {weeks.local_date(now, m.timezone).isoformat() for m in mentors}
        done = await nudges.recorded(conn, "review", days)
        mentors = [
            m for m in mentors if (m.id, weeks.local_date(now, m.timezone).isoformat()) not in done
        ]
        shown = [r for m in mentors for r in waiting[m.id][:5]]
        names = {p.id: p.name for p in await people.get_people(conn, [r.person_id for r in shown])}
        for mentor in mentors:
            mine = waiting[mentor.id]
            params = {
                "count": len(mine),
                "waiting": [
                    {
                        "reflection_id": r.id,
                        "mentee": names[r.person_id],
                        "days": (now - r.submitted_at).days if r.submitted_at else 0,
                    }
                    for r in mine[:5]
                ],
            }
            day = weeks.local_date(now, mentor.timezone).isoformat()
            due.append(_Due.of(mentor, "review", day, "nudge.review", params))
    return await _deliver(svc, due)


async def pause(svc: Services, person: Person, until: datetime | None) -> None:
    """Pause nudges until an instant (None resumes them)."""
    async with svc.db.write() as conn:
        await people.update_person(conn, person.id, svc.clock.now(), nudges_paused_until=until)


def snooze_until(now: datetime, zone: str, days: int) -> datetime:
    """1: the same local time on the next working day (a Friday's snooze ends on Monday,
    not on a Saturday when no nudge goes out anyway); 7: next Monday 07:00 local."""
    if days == 1:
        local = weeks.local_datetime(now, zone)
        day = workdays.add_working_days(local.date(), 1)
        return weeks.local_instant(day, local.time().replace(tzinfo=None), zone)
    monday = weeks.week_start(now, zone) + timedelta(days=7)
    return weeks.local_instant(monday, workdays.WORK_START, zone)


def end_of_day(day: date, zone: str) -> datetime:
    return weeks.local_instant(day + timedelta(days=1), time(0, 0), zone)


OFFER_REMINDER_AFTER = timedelta(hours=24)
MILESTONE_NOTICE_DAYS = 3


async def offer_nudges(svc: Services) -> int:
    """Mentors with a pairing offer open for over a day are reminded once per offer."""
    now = svc.clock.now()
    due: list[_Due] = []
    async with svc.db.read() as conn:
        offers = await pairings.expired_offers(conn, now - OFFER_REMINDER_AFTER)
        done = await nudges.recorded(conn, "offer", {f"pairing{p.id}" for p in offers})
        offers = [p for p in offers if (p.mentor_id, f"pairing{p.id}") not in done]
        involved = {p.mentor_id for p in offers} | {p.mentee_id for p in offers}
        known = {p.id: p for p in await people.get_people(conn, sorted(involved))}
        for pairing in offers:
            mentor, mentee = known.get(pairing.mentor_id), known.get(pairing.mentee_id)
            if mentor is None or mentee is None or not _may_nudge(mentor, now):
                continue
            params = {"pairing_id": pairing.id, "mentee": mentee.name}
            due.append(_Due.of(mentor, "offer", f"pairing{pairing.id}", "nudge.offer", params))
    return await _deliver(svc, due)


async def milestone_nudges(svc: Services, late: list[planning.Late] | None = None) -> int:
    """Mentees hear of a milestone three days before it is due (once per milestone; at
    most one a day, the nearest first), spread over the day like reflection nudges."""
    now = svc.clock.now()
    due: list[_Population] = []
    async with svc.db.read() as conn:
        for programme in await _active_programmes(conn):
            dated = [m for m in await programmes.milestones_of(conn, programme.id) if m.due_on]
            for zone in _open_zones(now) if dated else []:
                due += await _milestones_due(conn, programme, dated, zone, now)
    return await _deliver_planned(svc, due, late)


async def _milestones_due(
    conn: AsyncConnection,
    programme: Programme,
    dated: list[Milestone],
    zone: str,
    now: datetime,
) -> list[_Population]:
    """The milestone notices due now to a programme's mentees in one zone."""
    today = weeks.local_date(now, zone)
    found: list[_Population] = []
    chosen: set[int] = set()  # told of a nearer milestone in this run
    for milestone in dated:
        assert milestone.due_on is not None
        if not 0 <= (milestone.due_on - today).days <= MILESTONE_NOTICE_DAYS:
            continue
        period = f"m{milestone.id}"
        rows = await nudges.due_chats(
            conn,
            programme_id=programme.id,
            zones=[zone],
            now=now,
            today=today,
            kind="milestone",
            period=period,
        )
        params = {
            "title": milestone.title,
            "programme": programme.name,
            "due": milestone.due_on.isoformat(),
        }
        found.append(
            _Population.of(rows, ("milestone", period, "nudge.milestone", params), chosen)
        )
    return found


async def still_wanted(
    svc: Services, conn: AsyncConnection, kind: str, params: dict[str, Any], person_id: int | None
) -> bool:
    """Whether a queued notice should still go, asked by the sender just before it sends.

    Nudges are planned hours ahead (``bot.flows.planning``): a mentee who sends the week's
    reflection at 09:05 must not be reminded of it at 11:00, nor someone who paused nudges
    (``/jeda``, Snooze) or left meanwhile. Anything that is not a nudge always goes."""
    if not kind.startswith("nudge.") or person_id is None:
        return True
    person = await people.get_person(conn, person_id)
    if person is None or person.status != "active" or person.telegram_id is None:
        return False
    now = svc.clock.now()
    if person.nudges_paused_until is not None and person.nudges_paused_until > now:
        return False
    if kind in ("nudge.reflection_due", "nudge.reflection_reminder"):
        sent = await reflections.for_week(
            conn, params["programme_id"], person_id, date.fromisoformat(params["week_start"])
        )
        return sent is None or sent.status == reflections.DRAFT
    return True
