"""The minute tick's set-based paths with a fixed clock: who is found due (one query for
every zone sharing a window), who gets recorded, and what is queued for when.

``storage.nudges.due_chats`` replaced a query per zone plus a person object per mentee;
``record_each`` / ``queue_each`` replaced a Python row per nudge. A mistake in either
would nudge the wrong people (already nudged today, paused, reflected, off Telegram, in
another zone or programme) or plan the wrong times: these tests name each case.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.flows import nudges as nudge_flow
from bot.flows import weeks
from bot.flows.services import Services
from storage import nudges, outbox, people, programmes, reflections
from storage.db import Database
from storage.schema import nudges as nudges_table
from storage.schema import outbox as outbox_table
from tests.test_planning_flows import WEEK, programme

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
FRIDAY = date(2026, 12, 11)  # reflection day of the week of Monday 7 Dec
NINE_WIB = weeks.local_instant(FRIDAY, time(9, 0), WIB)  # 10:00 WITA, 11:00 WIT
PERIOD = f"p{{}}:{WEEK}"
NUMBERS = itertools.count()


async def person(
    db: Database,
    programme_id: int,
    zone: str = WIB,
    *,
    telegram: bool = True,
    role: str = "mentee",
    now: datetime = NINE_WIB,
    **changes: object,
) -> int:
    """A member of ``programme_id``; ``changes`` are columns set afterwards."""
    async with db.write() as conn:
        person_id = await people.insert_person(
            conn,
            nip=None,
            name=f"Peserta {next(NUMBERS)}",
            unit="Bidang SDM",
            timezone=zone,
            language="id",
            roles=[role],
            now=now,
            telegram_id=None,
        )
        if telegram:
            await people.update_person(conn, person_id, now, telegram_id=8_000_000 + person_id)
        await programmes.add_member(conn, programme_id, person_id, role)
        if changes:
            await people.update_person(conn, person_id, now, **changes)
    return person_id


async def reflect(
    db: Database, programme_id: int, person_id: int, week: date, status: str
) -> None:
    async with db.write() as conn:
        draft = await reflections.open_draft(conn, programme_id, person_id, week, NINE_WIB)
        if status != reflections.DRAFT:
            await reflections.set_state(
                conn, draft.id, status=status, now=NINE_WIB, expect=(reflections.DRAFT,)
            )


async def nudged(db: Database, person_id: int, kind: str, period: str, day: date) -> None:
    async with db.write() as conn:
        await nudges.record(
            conn, person_id=person_id, kind=kind, period=period, local_date=day, now=NINE_WIB
        )


async def due(db: Database, programme_id: int, zones: list[str]) -> list[tuple[int, int, str]]:
    async with db.read() as conn:
        return await nudges.due_chats(
            conn,
            programme_id=programme_id,
            zones=zones,
            now=NINE_WIB,
            today=FRIDAY,
            kind="reflection_due",
            period=PERIOD.format(programme_id),
            unreflected_week=WEEK,
        )


async def test_who_is_due_leaves_out_everyone_who_is_not(svc: Services) -> None:
    """Of fourteen members, the seven who may be nudged, each with their chat and zone."""
    db = svc.db
    prog = await programme(db, "Coaching ASN", NINE_WIB)
    other = await programme(db, "Lain", NINE_WIB)
    wanted = [await person(db, prog)]  # plainly due
    today = await person(db, prog)
    await nudged(db, today, "review", "2026-12-11", FRIDAY)  # another nudge today
    digest = await person(db, prog)
    await nudged(db, digest, "digest", "w1", FRIDAY)  # a digest is no nudge
    wanted.append(digest)
    once = await person(db, prog)
    await nudged(db, once, "reflection_due", PERIOD.format(prog), FRIDAY - timedelta(days=1))
    await person(db, prog, nudges_paused_until=NINE_WIB + timedelta(hours=1))  # paused
    wanted.append(await person(db, prog, nudges_paused_until=NINE_WIB))  # pause just ended
    sent = await person(db, prog)
    await reflect(db, prog, sent, WEEK, reflections.SUBMITTED)  # reflected this week
    draft = await person(db, prog)
    await reflect(db, prog, draft, WEEK, reflections.DRAFT)  # only a draft: still owes it
    wanted.append(draft)
    earlier = await person(db, prog)
    await reflect(db, prog, earlier, WEEK - timedelta(days=7), reflections.APPROVED)
    wanted.append(earlier)  # last week's does not count for this one
    elsewhere = await person(db, other)
    await reflect(db, other, elsewhere, WEEK, reflections.SUBMITTED)
    await person(db, prog, telegram=False)  # not on Telegram
    await person(db, prog, status="inactive")
    await person(db, prog, role="mentor")
    await person(db, other)  # another programme
    wita = await person(db, prog, WITA)
    wit = await person(db, prog, WIT)
    chats = {i: 8_000_000 + i for i in (*wanted, wita, wit)}

    assert await due(db, prog, [WIB]) == [(i, chats[i], WIB) for i in wanted]
    both = await due(db, prog, [WIB, WITA])
    assert both == sorted([(i, chats[i], WIB) for i in wanted] + [(wita, chats[wita], WITA)])
    assert await due(db, prog, [WIT]) == [(wit, chats[wit], WIT)]


async def test_recorded_once_a_day_even_within_one_statement(svc: Services) -> None:
    """record_each skips whoever had this nudge or another that day, and of one person
    listed twice records one; queue_each queues only to people still on Telegram."""
    db = svc.db
    prog = await programme(db, "Coaching ASN", NINE_WIB)
    fresh, today, gone = [await person(db, prog) for _ in range(3)]
    await nudged(db, today, "milestone", "m1", FRIDAY)
    period = PERIOD.format(prog)
    async with db.write() as conn:
        recorded = await nudges.record_each(
            conn,
            [fresh, today, gone, fresh],
            kind="reflection_due",
            period=period,
            local_date=FRIDAY,
            now=NINE_WIB,
        )
        assert recorded == {fresh, gone}
        assert not await nudges.record_each(
            conn, [fresh], kind="milestone", period="m2", local_date=FRIDAY, now=NINE_WIB
        )
        await people.update_person(conn, gone, NINE_WIB, telegram_id=None)  # unbound since
        at = NINE_WIB + timedelta(minutes=3)
        params = {"programme_id": prog, "programme": "Coaching ASN", "week_start": str(WEEK)}
        for _ in range(2):  # a second time queues nothing new
            await nudges.queue_each(
                conn,
                [fresh, gone],
                kind="reflection_due",
                period=period,
                notice="nudge.reflection_due",
                params=params,
                at=at,
                now=NINE_WIB,
            )
        rows = (await conn.execute(select(outbox_table))).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["dedup_key"] == nudges.dedup_key(fresh, "reflection_due", period)
    assert (row["chat_id"], row["person_id"], row["kind"]) == (
        8_000_000 + fresh,
        fresh,
        "nudge.reflection_due",
    )
    assert row["params"] == params
    assert (row["status"], row["not_before"], row["created_at"]) == ("pending", at, NINE_WIB)
    assert (row["text"], row["parts_sent"], row["attempts"]) == ("", 0, 0)


async def test_a_friday_minute_queues_the_plan_and_the_next_minute_nothing(
    svc: Services,
) -> None:
    """09:00 WIB (10:00 WITA, its window open since 08:00 WIB): WIB and WITA mentees of two
    programmes in one run, at one a minute, WITA's first (its day ends first), each person
    once (someone in both programmes hears of the first); 09:01 queues nothing."""
    db = svc.db
    first = await programme(db, "Coaching ASN", NINE_WIB)
    second = await programme(db, "Mentoring", NINE_WIB)
    wib = [await person(db, first) for _ in range(3)]
    wita = [await person(db, first, WITA) for _ in range(2)]
    async with db.write() as conn:
        await programmes.add_member(conn, second, wib[0], "mentee")
    svc.clock.set(NINE_WIB)  # type: ignore[attr-defined]
    svc.nudge_rate = 1 / 60
    assert await nudge_flow.reflection_nudges(svc) == 5
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
        records = (await conn.execute(select(nudges_table))).mappings().all()
    planned = {row.person_id: row.not_before - NINE_WIB for row in rows}
    minutes = [timedelta(minutes=m) for m in range(5)]
    assert planned == dict(zip([*wita, *wib], minutes, strict=True))
    assert {row.dedup_key for row in rows} == {
        nudges.dedup_key(i, "reflection_due", PERIOD.format(first)) for i in [*wib, *wita]
    }
    assert {row.params["programme_id"] for row in rows} == {first}
    assert {(r["person_id"], r["local_date"]) for r in records} == {
        (i, FRIDAY) for i in [*wib, *wita]
    }
    svc.clock.set(NINE_WIB + timedelta(minutes=1))  # type: ignore[attr-defined]
    assert await nudge_flow.reflection_nudges(svc) == 0


async def test_queued_set_wise_like_row_by_row(svc: Services) -> None:
    """A nudge queued by queue_each stores what storage.outbox.enqueue_many stores for the
    columns it leaves empty: JSON null in reply_markup and media_data, not SQL NULL (the
    two read back alike in Python, but a query on the column told them apart)."""
    db = svc.db
    prog = await programme(db, "Coaching ASN", NINE_WIB)
    set_wise, row_wise = await person(db, prog), await person(db, prog)
    async with db.write() as conn:
        await nudges.queue_each(
            conn,
            [set_wise],
            kind="reflection_due",
            period=PERIOD.format(prog),
            notice="nudge.reflection_due",
            params={"programme_id": prog},
            at=NINE_WIB,
            now=NINE_WIB,
        )
        message = outbox.row(
            dedup_key="nudge:row",
            chat_id=8_000_000 + row_wise,
            person_id=row_wise,
            now=NINE_WIB,
            kind="nudge.review",
            params={"programme_id": prog},
        )
        await outbox.enqueue_many(conn, [message])
        o = outbox_table.c
        stored = await conn.execute(
            select(
                o.person_id,
                o.reply_markup.is_(None),
                o.media_data.is_(None),
                o.media_kind,
                o.media_file_id,
            )
        )
        found = {row[0]: tuple(row[1:]) for row in stored}
    assert found[set_wise] == found[row_wise] == (False, False, None, None)


async def test_batches_keep_the_plan_and_the_first_programme(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written two at a time (a batch is one nudge in planned order), a population spread
    over several minutes is queued at the same minutes as in one batch, and someone in
    two programmes is recorded and told once, of the first."""
    monkeypatch.setattr(nudge_flow, "WRITE_BATCH", 2)
    db = svc.db
    first = await programme(db, "Coaching ASN", NINE_WIB)
    second = await programme(db, "Mentoring", NINE_WIB)
    wib = [await person(db, first) for _ in range(4)]
    wita = [await person(db, first, WITA) for _ in range(3)]
    both = wib[0]
    only_second = await person(db, second)
    async with db.write() as conn:
        await programmes.add_member(conn, second, both, "mentee")
    svc.clock.set(NINE_WIB)  # type: ignore[attr-defined]
    svc.nudge_rate = 1 / 60
    assert await nudge_flow.reflection_nudges(svc) == 8
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox_table))).all()
    planned = {row.person_id: row.not_before - NINE_WIB for row in rows}
    # minute 7 was planned for the second programme's nudge to ``both``, refused
    order = [*wita, *wib, None, only_second]
    assert planned == {i: timedelta(minutes=m) for m, i in enumerate(order) if i is not None}
    assert {row.person_id: row.params["programme_id"] for row in rows}[both] == first
    assert len(rows) == len({row.person_id for row in rows}) == 8


def test_write_batches_are_whole_planned_minutes_while_they_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch packs whole planned minutes up to WRITE_BATCH (one queue statement per
    minute), cuts only a minute larger than a batch, and never mixes local days."""
    monkeypatch.setattr(nudge_flow, "WRITE_BATCH", 4)
    minute = [NINE_WIB + timedelta(minutes=m) for m in range(4)]
    slots = [minute[0]] * 2 + [minute[1]] * 3 + [minute[2]] * 6 + [minute[3]] + [minute[0]]
    zones = [WIB] * 12 + [WIT]
    days = {WIB: FRIDAY, WIT: FRIDAY + timedelta(days=1)}  # not so in Indonesia: a test
    batches = nudge_flow._batches(range(len(slots)), zones, slots, days)
    assert batches == [[0, 1], [2, 3, 4], [5, 6, 7, 8], [9, 10, 11], [12]]
