"""Send-time planning with a fixed clock: a population's nudges spread over their window at
a scaled-down rate, around what the outbox already holds, zone by zone, and what does not
fit reported; a nudge overtaken by a reflection is not sent.

Before planning, every nudge found due was queued with ``not_before`` = the tick (09:00).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from bot import send_limits
from bot.flows import nudges as nudge_flow
from bot.flows import planning, weeks
from bot.flows.services import Services
from storage import outbox, people, programmes, reflections
from storage.db import Database
from storage.schema import outbox as outbox_table

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
FRIDAY = date(2026, 12, 11)  # the programme's reflection day; week of Monday 7 Dec
WEEK = date(2026, 12, 7)
PER_MINUTE = 1 / 60  # a scaled-down rate: one nudge a minute


def at(local: str, zone: str) -> datetime:
    """A wall-clock time on Friday 11 Dec in ``zone``, as a UTC instant."""
    hour, minute = (int(part) for part in local.split(":"))
    return weeks.local_instant(FRIDAY, time(hour, minute), zone)


async def programme(db: Database, name: str, now: datetime) -> int:
    """An active coaching programme from :data:`WEEK`, reflection day Friday."""
    async with db.write() as conn:
        return await programmes.create_programme(
            conn,
            name=name,
            kind="coaching",
            starts_on=WEEK,
            ends_on=date(2027, 3, 1),
            reflection_weekday=4,
            questions=[{"text": "Apa yang Anda pelajari?", "kind": "text"}],
            unit_rule="any",
            now=now,
        )


async def seed(db: Database, zones: list[str], now: datetime) -> tuple[int, list[int]]:
    """An active programme (reflection day Friday) and one mentee on Telegram per zone given;
    returns the programme and the people, in order."""
    programme_id = await programme(db, "Coaching ASN", now)
    async with db.write() as conn:
        ids = []
        for number, zone in enumerate(zones):
            person_id = await people.insert_person(
                conn,
                nip=None,
                name=f"Peserta {number}",
                unit="Bidang SDM",
                timezone=zone,
                language="id",
                roles=["mentee"],
                now=now,
                telegram_id=7_000_000 + number,
            )
            await programmes.add_member(conn, programme_id, person_id, "mentee")
            ids.append(person_id)
    return programme_id, ids


async def planned(db: Database) -> dict[int, datetime]:
    """Each queued nudge's send time, by person."""
    async with db.read() as conn:
        rows = await conn.execute(
            select(outbox_table.c.person_id, outbox_table.c.not_before).where(
                outbox_table.c.kind.like("nudge.%")
            )
        )
        return {int(person): when for person, when in rows}


async def test_nudges_are_spread_over_the_window_not_all_at_nine(svc: Services) -> None:
    """30 mentees, and a rate that fits 30 in 09:00-20:00 WIB: 22 minutes apart, the first at
    09:00 and the last before 20:00 (before planning: all 30 at 09:00)."""
    nine = at("09:00", WIB)
    _, ids = await seed(svc.db, [WIB] * 30, nine)
    svc.clock.set(nine)  # type: ignore[attr-defined]
    svc.nudge_rate = 30 / (11 * 3600)  # 30 nudges over eleven hours
    assert await nudge_flow.reflection_nudges(svc) == 30
    slots = await planned(svc.db)
    times = [slots[i] for i in ids]
    assert times[0] == nine
    assert times[-1] < at("20:00", WIB)
    assert times[-1] == nine + 29 * timedelta(minutes=22)
    gaps = {later - earlier for earlier, later in itertools.pairwise(times)}
    assert gaps == {timedelta(minutes=22)}
    # The default rate fits a small programme into its first minute, as before.
    assert planning.plan(nine, [WIB] * 1000, rate=planning.PLANNED_RATE) == [nine] * 1000


async def test_what_the_outbox_already_holds_goes_first(svc: Services) -> None:
    """Five messages already waiting (a digest, say) at one a minute: the nudges start when
    the sender would be free of them, and skip a minute already taken later on."""
    nine = at("09:00", WIB)
    _, ids = await seed(svc.db, [WIB] * 3, nine)
    async with svc.db.write() as conn:
        for number in range(5):
            await outbox.enqueue(conn, dedup_key=f"digest:{number}", chat_id=1, now=nine, text="x")
        later = outbox.row(dedup_key="later", chat_id=1, now=nine, text="y")
        later["not_before"] = nine + timedelta(minutes=6)
        await outbox.enqueue_many(conn, [later])
    svc.clock.set(nine)  # type: ignore[attr-defined]
    svc.nudge_rate = PER_MINUTE
    assert await nudge_flow.reflection_nudges(svc) == 3
    slots = await planned(svc.db)
    assert [slots[i] - nine for i in ids] == [timedelta(minutes=m) for m in (5, 7, 8)]


async def test_zones_are_planned_in_their_own_window(svc: Services) -> None:
    """WIT opens at 00:00 UTC, WITA at 01:00: WITA's nudges are planned in WITA's window and
    after what WIT's still holds; none goes before 09:00 on its own clock."""
    wit_nine, wita_nine = at("09:00", WIT), at("09:00", WITA)
    _, ids = await seed(svc.db, [WIT] * 70 + [WITA] * 3 + [WIB] * 2, wit_nine)
    svc.nudge_rate = PER_MINUTE
    svc.clock.set(wit_nine)  # type: ignore[attr-defined]
    assert await nudge_flow.reflection_nudges(svc) == 70  # only WIT: 08:00 WITA, 07:00 WIB
    async with svc.db.write() as conn:  # the sender kept to the plan until 09:00 WITA
        await conn.execute(
            update(outbox_table)
            .where(outbox_table.c.not_before < wita_nine)
            .values(status=outbox.SENT, sent_at=wita_nine)
        )
    svc.clock.set(wita_nine)  # type: ignore[attr-defined]
    assert await nudge_flow.reflection_nudges(svc) == 3
    slots = await planned(svc.db)
    assert slots[ids[0]] == wit_nine
    assert slots[ids[69]] == wit_nine + timedelta(minutes=69)  # 10:09 WIT
    # WIT's last ten still fill 09:00-09:09 WITA: WITA's three follow them.
    assert [slots[i] for i in ids[70:73]] == [
        wita_nine + timedelta(minutes=m) for m in (10, 11, 12)
    ]
    # One tick with every zone due (the bot was down until 09:30 WIB): the window that ends
    # first is planned first, and each in its own zone's working day.
    svc.clock.set(at("09:30", WIB))  # type: ignore[attr-defined]
    assert await nudge_flow.reflection_nudges(svc) == 2
    slots = await planned(svc.db)
    for person, zone in zip(ids, [WIT] * 70 + [WITA] * 3 + [WIB] * 2, strict=True):
        assert at("09:00", zone) <= slots[person] < planning.window_end(slots[person], zone)


async def test_a_window_too_small_still_sends_and_says_how_late(svc: Services) -> None:
    """Eight WIB mentees at 19:55 and one a minute: five fit before 20:00, three go after it,
    the last at 20:02; each still exactly once."""
    evening = at("19:55", WIB)
    _, ids = await seed(svc.db, [WIB] * 8, evening)
    svc.clock.set(evening)  # type: ignore[attr-defined]
    svc.nudge_rate = PER_MINUTE
    late: list[planning.Late] = []
    assert await nudge_flow.reflection_nudges(svc, late) == 8
    assert late == [
        planning.Late(
            zone=WIB,
            count=3,
            window_start=evening,
            window_end=at("20:00", WIB),
            last=at("20:02", WIB),
        )
    ]
    slots = await planned(svc.db)
    assert sorted(slots[i] for i in ids)[-1] == at("20:02", WIB)
    # The next minute: nobody twice.
    svc.clock.set(evening + timedelta(minutes=1))  # type: ignore[attr-defined]
    assert await nudge_flow.reflection_nudges(svc, late) == 0


async def test_a_reflection_before_the_slot_cancels_the_nudge(svc: Services) -> None:
    """Planned at 09:00 for 09:00 and 09:01; the second mentee sends the week's reflection
    at 09:00:30: the sender's send-time check says the first still goes, not the second. A
    mere draft does not count; a pause does."""
    nine = at("09:00", WIB)
    programme_id, (first, second, third) = await seed(svc.db, [WIB] * 3, nine)
    svc.clock.set(nine)  # type: ignore[attr-defined]
    svc.nudge_rate = PER_MINUTE
    assert await nudge_flow.reflection_nudges(svc) == 3
    async with svc.db.write() as conn:
        draft = await reflections.open_draft(
            conn, programme_id=programme_id, person_id=second, week_start=WEEK, now=nine
        )
        await reflections.open_draft(
            conn, programme_id=programme_id, person_id=first, week_start=WEEK, now=nine
        )
        await people.update_person(conn, third, nine, nudges_paused_until=nine + timedelta(days=1))
    params = {
        "programme_id": programme_id,
        "programme": "Coaching ASN",
        "week_start": "2026-12-07",
    }

    async def wanted(person_id: int) -> bool:
        async with svc.db.read() as conn:
            return await nudge_flow.still_wanted(
                svc, conn, "nudge.reflection_due", params, person_id
            )

    assert await wanted(second)  # a draft is not a reflection sent
    async with svc.db.write() as conn:
        assert await reflections.set_state(
            conn, draft.id, status=reflections.SUBMITTED, now=nine, expect=(reflections.DRAFT,)
        )
    svc.clock.set(nine + timedelta(seconds=30))  # type: ignore[attr-defined]
    assert await wanted(first)
    assert not await wanted(second)
    assert not await wanted(third)  # paused after being planned
    # Anything that is not a nudge is never held back.
    async with svc.db.read() as conn:
        assert await nudge_flow.still_wanted(svc, conn, "digest.supervisor", {}, second)


def test_the_ceiling_is_the_limiters() -> None:
    """The planner's ceiling is the limiter's (flows cannot import it: it is Telegram's side)."""
    assert planning.SEND_CEILING == send_limits.PER_SECOND
    assert planning.PLANNED_RATE < send_limits.PER_SECOND


def test_plan_is_even_and_fits_a_national_friday() -> None:
    """900 000 WIB nudges at the default rate fit 09:00-20:00; nobody is planned before
    the tick; the busiest minute holds rate × 60."""
    nine = datetime(2026, 12, 11, 2, 0, tzinfo=UTC)
    slots = planning.plan(nine, [WIB] * 900_000, rate=planning.PLANNED_RATE)
    assert slots[0] == nine
    assert slots[-1] < planning.window_end(nine, WIB)
    assert planning.late(nine, [WIB] * 900_000, slots) == []
    per_minute: dict[datetime, int] = {}
    for slot in slots:
        per_minute[slot] = per_minute.get(slot, 0) + 1
    assert max(per_minute.values()) <= round(planning.PLANNED_RATE * 60)
