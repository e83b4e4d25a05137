"""Nudges: the gentle reminders the bot sends by itself, through the outbox.

- Reflection due: on the programme's reflection day at 09:00 in the mentee's own zone
  (the next working day if that day is a holiday), to mentees who have not sent that
  week's reflection; a reminder two working days later.
- Review waiting: to mentors with reflections waiting more than 48 hours, listing them.

Working days only, 07:00-20:00 local, at most one nudge a day per person, never while
paused (``/jeda``, or a Snooze button). A run missed while the bot was down is caught up
within 24 hours, once: every nudge is recorded (kind, period) before it is queued.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import callbacks
from bot.flows import weeks, workdays
from bot.flows.buttons import Button, Keyboard, to_json
from bot.flows.services import Services
from bot.flows.templates import milestone_title
from bot.i18n import t
from storage import nudges, outbox, pairings, people, programmes, reflections
from storage.models import Person, Programme

NUDGE_AT = time(9, 0)
GRACE = timedelta(hours=24)
REVIEW_AFTER = timedelta(hours=48)
SNOOZE_DAYS = (1, 7)


def _may_nudge(person: Person, now: datetime) -> bool:
    if person.telegram_id is None or person.status != "active":
        return False
    if person.nudges_paused_until is not None and person.nudges_paused_until > now:
        return False
    local = weeks.local_datetime(now, person.timezone)
    return workdays.is_working_day(local.date()) and workdays.within_working_hours(local)


def snooze_buttons(language: str, programme_id: int) -> Keyboard:
    return [
        [Button(t(language, "nudge.write_now"), callbacks.encode("rf", "open", programme_id))],
        [
            Button(t(language, "nudge.snooze_day"), callbacks.encode("nd", "snooze", 1)),
            Button(t(language, "nudge.snooze_week"), callbacks.encode("nd", "snooze", 7)),
        ],
    ]


async def _send(
    conn: AsyncConnection,
    person: Person,
    kind: str,
    period: str,
    now: datetime,
    text: str,
    keyboard: Keyboard | None,
) -> bool:
    today = weeks.local_date(now, person.timezone)
    if await nudges.sent_on(conn, person.id, today):
        return False
    if not await nudges.record(
        conn, person_id=person.id, kind=kind, period=period, local_date=today, now=now
    ):
        return False
    assert person.telegram_id is not None
    await outbox.enqueue(
        conn,
        dedup_key=f"nudge:{person.id}:{kind}:{period}",
        chat_id=person.telegram_id,
        person_id=person.id,
        text=text,
        now=now,
        reply_markup=to_json(keyboard),
    )
    return True


async def _reflection_nudge(
    conn: AsyncConnection, person: Person, programme: Programme, now: datetime
) -> bool:
    this_week = weeks.week_start(now, person.timezone)
    for week in (this_week, this_week - timedelta(days=7)):
        if week + timedelta(days=6) < programme.starts_on or week > programme.ends_on:
            continue
        if not weeks.counts(week, programme.reflection_weekday, programme.starts_on):
            continue
        found = await reflections.for_week(conn, programme.id, person.id, week)
        if found is not None and found.status != reflections.DRAFT:
            continue
        due_day = workdays.first_working_day_from(
            week + timedelta(days=programme.reflection_weekday)
        )
        if due_day is None:
            continue
        for kind, day in (("due", due_day), ("reminder", workdays.add_working_days(due_day, 2))):
            start = weeks.local_instant(day, NUDGE_AT, person.timezone)
            if start <= now < start + GRACE:
                lang = person.language
                label = t(lang, "reflect.week", start=week.strftime("%d-%m-%Y"))
                text = t(lang, f"nudge.reflection_{kind}", programme=programme.name, week=label)
                return await _send(
                    conn,
                    person,
                    f"reflection_{kind}",
                    f"p{programme.id}:{week}",
                    now,
                    text,
                    snooze_buttons(lang, programme.id),
                )
    return False


async def _nudgeable_mentees(
    conn: AsyncConnection, now: datetime
) -> AsyncIterator[tuple[Programme, Person]]:
    """Mentees of active programmes who may be nudged right now (their zone, their pause)."""
    for programme in await programmes.list_programmes(conn):
        if programme.status != "active":
            continue
        for person_id in await programmes.members(conn, programme.id, "mentee"):
            person = await people.get_person(conn, person_id)
            if person is not None and _may_nudge(person, now):
                yield programme, person


async def reflection_nudges(svc: Services) -> int:
    now = svc.clock.now()
    sent = 0
    async with svc.db.write() as conn:
        async for programme, person in _nudgeable_mentees(conn, now):
            sent += await _reflection_nudge(conn, person, programme, now)
    if sent:
        svc.outbox_wake()
    return sent


async def review_nudges(svc: Services) -> int:
    """Mentors whose reflections have waited more than 48 hours, once a working day."""
    now = svc.clock.now()
    sent = 0
    async with svc.db.write() as conn:
        mentor_ids = {p.mentor_id for p in await pairings.active(conn)}
        for mentor_id in sorted(mentor_ids):
            mentor = await people.get_person(conn, mentor_id)
            if mentor is None or not _may_nudge(mentor, now):
                continue
            local = weeks.local_datetime(now, mentor.timezone)
            if local.time() < NUDGE_AT:
                continue
            waiting = [
                r
                for r in await reflections.waiting_for_mentor(conn, mentor.id)
                if r.submitted_at is not None and now - r.submitted_at > REVIEW_AFTER
            ]
            if not waiting:
                continue
            lang = mentor.language
            lines = [t(lang, "nudge.review_header", count=len(waiting))]
            buttons = []
            for reflection in waiting[:5]:
                mentee = await people.get_person(conn, reflection.person_id)
                assert mentee is not None
                assert reflection.submitted_at is not None
                days = (now - reflection.submitted_at).days
                lines.append(t(lang, "nudge.review_line", mentee=mentee.name, days=days))
                buttons.append(
                    [
                        Button(
                            f"{t(lang, 'review.show')} · {mentee.name}"[:60],
                            callbacks.encode("rv", "show", reflection.id),
                        )
                    ]
                )
            sent += await _send(
                conn, mentor, "review", local.date().isoformat(), now, "\n".join(lines), buttons
            )
    if sent:
        svc.outbox_wake()
    return sent


async def pause(svc: Services, person: Person, until: datetime | None) -> None:
    """Pause nudges until an instant (None resumes them)."""
    async with svc.db.write() as conn:
        await people.update_person(conn, person.id, svc.clock.now(), nudges_paused_until=until)


def snooze_until(now: datetime, zone: str, days: int) -> datetime:
    """1: the same time tomorrow; 7: next Monday 07:00 local."""
    if days == 1:
        return now + timedelta(days=1)
    monday = weeks.week_start(now, zone) + timedelta(days=7)
    return weeks.local_instant(monday, workdays.WORK_START, zone)


def end_of_day(day: date, zone: str) -> datetime:
    return weeks.local_instant(day + timedelta(days=1), time(0, 0), zone)


OFFER_REMINDER_AFTER = timedelta(hours=24)
MILESTONE_NOTICE_DAYS = 3


async def offer_nudges(svc: Services) -> int:
    """Mentors with a pairing offer open for over a day are reminded once per offer."""
    now = svc.clock.now()
    sent = 0
    async with svc.db.write() as conn:
        for pairing in await pairings.expired_offers(conn, now - OFFER_REMINDER_AFTER):
            mentor = await people.get_person(conn, pairing.mentor_id)
            mentee = await people.get_person(conn, pairing.mentee_id)
            if mentor is None or mentee is None or not _may_nudge(mentor, now):
                continue
            lang = mentor.language
            keyboard = [
                [
                    Button(t(lang, "pair.accept"), callbacks.encode("pair", "ok", pairing.id)),
                    Button(t(lang, "pair.decline"), callbacks.encode("pair", "no", pairing.id)),
                ]
            ]
            sent += await _send(
                conn,
                mentor,
                "offer",
                f"pairing{pairing.id}",
                now,
                t(lang, "nudge.offer", mentee=mentee.name),
                keyboard,
            )
    if sent:
        svc.outbox_wake()
    return sent


async def milestone_nudges(svc: Services) -> int:
    """Mentees hear of a milestone three days before it is due (once per milestone)."""
    now = svc.clock.now()
    sent = 0
    async with svc.db.write() as conn:
        async for programme, person in _nudgeable_mentees(conn, now):
            today = weeks.local_date(now, person.timezone)
            for milestone in await programmes.milestones_of(conn, programme.id):
                if milestone.due_on is None:
                    continue
                if not 0 <= (milestone.due_on - today).days <= MILESTONE_NOTICE_DAYS:
                    continue
                lang = person.language
                text = t(
                    lang,
                    "nudge.milestone",
                    title=milestone_title(milestone.title, lang),
                    programme=programme.name,
                    due=milestone.due_on.strftime("%d-%m-%Y"),
                )
                if await _send(conn, person, "milestone", f"m{milestone.id}", now, text, None):
                    sent += 1
                    break
    if sent:
        svc.outbox_wake()
    return sent
