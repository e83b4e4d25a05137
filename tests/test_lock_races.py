"""Races between two bot processes on one PostgreSQL database, through the real flows.

A second ``Services`` with its own ``Database`` (its own connection pool: what a second
process has) calls the same flows at the same moment as the first. Each race is run ten
times; before the constraints and row locks, every one of them let both writers through
at least once (the issue measured 1 in 10 for capacity and nudges). On SQLite two pools in
one process are serialised by ``BEGIN IMMEDIATE`` (the file's write lock), so the races
need PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.flows import join_requests as join_flow
from bot.flows import nudges as nudge_flows
from bot.flows import pairing, programmes, reflection, review
from bot.flows.identity import Viewer, who
from bot.flows.programmes import NewProgramme
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from storage import join_requests, nudges, pairings, people, reflections
from storage import programmes as stored_programmes
from storage.db import Database, person_lock_key
from storage.models import Programme
from storage.schema import nudges as nudges_table
from storage.schema import outbox as outbox_table
from storage.schema import reviews
from tests import postgres
from tests.conftest import DEMO_ROSTER

pytestmark = pytest.mark.skipif(
    postgres.SERVER is None,
    reason="needs PostgreSQL: two pools on one SQLite file are serialised by BEGIN IMMEDIATE",
)

ROUNDS = 10
NIP = {
    "Rina": "198209142008012003",
    "Yohanes": "198011202005011004",
    "Budi": "199503172020121005",
    "Dewi": "199707082021022006",
    "Made": "199612252022031007",
    "Maria": "199802142022032008",
}
TELEGRAM = {"Rina": 603, "Yohanes": 604, "Budi": 605, "Dewi": 606, "Made": 607, "Maria": 608}


@pytest_asyncio.fixture
async def other(svc: Services, db_url: str) -> AsyncIterator[Services]:
    """The second process: the same database through a pool of its own."""
    database = Database(db_url)
    yield Services(
        db=database, clock=svc.clock, admin_ids=svc.admin_ids, bot_username=svc.bot_username
    )
    await database.dispose()


async def _world(svc: Services, capacity: int | None = None) -> Programme:
    """The demo roster, everyone bound to Telegram, one programme with every mentee and
    both mentors (reflection day Monday: today)."""
    await import_roster(svc, await validate_roster(svc, DEMO_ROSTER.read_text()))
    now = svc.clock.now()
    async with svc.db.write() as conn:
        for name, nip in NIP.items():
            person = await people.get_person_by_nip(conn, nip)
            assert person is not None
            await people.update_person(conn, person.id, now, telegram_id=TELEGRAM[name])
            if capacity is not None and name in ("Rina", "Yohanes"):
                await people.update_person(conn, person.id, now, mentor_capacity=capacity)
    created = await programmes.create(
        svc,
        NewProgramme(
            "Perubahan 2027",
            "perubahan",
            date(2026, 12, 7),
            date(2027, 3, 26),
            0,
            tuple(NIP.values()),
        ),
    )
    assert created.programme is not None
    return created.programme


async def _current_of(svc: Services, programme: Programme) -> list[pairings.Pairing]:
    async with svc.db.read() as conn:
        return [
            p
            for p in await pairings.of_programme(conn, programme.id)
            if p.status in pairings.CURRENT
        ]


async def _end_all(svc: Services, programme: Programme) -> None:
    for current in await _current_of(svc, programme):
        assert await pairing.end_pairing(svc, None, current.id) is pairing.ByHand.ENDED


async def test_a_mentor_with_room_for_one_gets_one_offer(svc: Services, other: Services) -> None:
    programme = await _world(svc, capacity=1)
    for _ in range(ROUNDS):
        results = await asyncio.gather(
            pairing.pair_by_hand(svc, None, programme, NIP["Budi"], NIP["Rina"]),
            pairing.pair_by_hand(other, None, programme, NIP["Dewi"], NIP["Rina"]),
        )
        assert sorted(results) == sorted([pairing.ByHand.OFFERED, pairing.ByHand.AT_CAPACITY])
        assert len(await _current_of(svc, programme)) == 1
        await _end_all(svc, programme)


async def test_a_mentee_gets_one_current_pairing(svc: Services, other: Services) -> None:
    programme = await _world(svc)
    for _ in range(ROUNDS):
        results = await asyncio.gather(
            pairing.pair_by_hand(svc, None, programme, NIP["Budi"], NIP["Rina"]),
            pairing.pair_by_hand(other, None, programme, NIP["Budi"], NIP["Yohanes"]),
        )
        assert sorted(results) == sorted([pairing.ByHand.OFFERED, pairing.ByHand.ALREADY_PAIRED])
        assert len(await _current_of(svc, programme)) == 1
        await _end_all(svc, programme)


async def test_two_ticks_at_once_nudge_a_person_once_a_day(svc: Services, other: Services) -> None:
    """One process sends the reflection nudges while another sends the milestone notices
    (different nudges, so only the one-a-day rule stands between them)."""
    programme = await _world(svc)
    async with svc.db.write() as conn:
        await stored_programmes.replace_milestones(
            conn, programme.id, [("Rancangan proyek", date(2026, 12, 9))]
        )
    mentees = 4
    for _ in range(ROUNDS):
        sent = await asyncio.gather(
            nudge_flows.reflection_nudges(svc), nudge_flows.milestone_nudges(other)
        )
        assert sum(sent) == mentees
        async with svc.db.read() as conn:
            per_person = await conn.execute(
                select(nudges_table.c.person_id, func.count()).group_by(nudges_table.c.person_id)
            )
            assert sorted(n for _, n in per_person) == [1] * mentees
        async with svc.db.write() as conn:  # a new day for the next round
            await nudges.forget_before(conn, svc.clock.now() + timedelta(days=1))
            await conn.execute(outbox_table.delete())


async def _submitted(svc: Services, budi: Viewer) -> int:
    """Budi's reflection of the current week, answered and sent; its id."""
    screen = await reflection.open_week(svc, budi)
    assert screen.reflection is not None, screen
    for text in ("Rancangan", "Belajar", "Data", "Rapat", "1 jam"):
        await reflection.answer(svc, budi, text)
    sent = await reflection.submit(svc, budi, screen.reflection.id)
    assert sent.show is reflection.Show.SUBMITTED, sent
    return screen.reflection.id


async def test_approve_pressed_in_two_processes_approves_once(
    svc: Services, other: Services, clock: FixedClock
) -> None:
    programme = await _world(svc)
    assert await pairing.pair_by_hand(svc, None, programme, NIP["Budi"], NIP["Rina"]) in (
        pairing.ByHand.OFFERED,
    )
    rina = await who(svc, TELEGRAM["Rina"])
    offer = (await _current_of(svc, programme))[0]
    assert (await pairing.respond(svc, rina, offer.id, accept=True)).outcome.value == "accepted"
    for _ in range(ROUNDS):
        budi = await who(svc, TELEGRAM["Budi"])
        reflection_id = await _submitted(svc, budi)
        rina_here, rina_there = (
            await who(svc, TELEGRAM["Rina"]),
            await who(other, TELEGRAM["Rina"]),
        )
        outcomes = await asyncio.gather(
            review.decide(svc, rina_here, reflection_id, 1, "ok"),
            review.decide(other, rina_there, reflection_id, 1, "ok"),
        )
        assert sorted(o.result for o in outcomes) == sorted(
            [review.Reviewed.APPROVED, review.Reviewed.ALREADY_APPROVED]
        )
        async with svc.db.read() as conn:
            stored = await reflections.get_reflection(conn, reflection_id)
            count = (
                await conn.execute(
                    select(func.count()).where(reviews.c.reflection_id == reflection_id)
                )
            ).scalar()
            notices = (
                await conn.execute(
                    select(func.count()).where(
                        outbox_table.c.kind == "review.approved",
                        outbox_table.c.dedup_key.like(f"rv:{reflection_id}:%"),
                    )
                )
            ).scalar()
        assert stored is not None
        assert stored.status == reflections.APPROVED
        assert count == 1
        assert notices == 1
        clock.advance(timedelta(days=7))  # next week's reflection for the next round


async def test_a_person_lock_holds_across_pools_and_only_for_that_person(
    db: Database, db_url: str
) -> None:
    there = Database(db_url)
    try:
        order: list[str] = []
        async with db.person_lock(605):
            waiting = asyncio.create_task(_take(there, 605, order))
            async with there.person_lock(606):  # someone else: not held up
                order.append("606")
            await asyncio.sleep(0.3)
            assert not waiting.done()  # 605 is held by the other pool
            order.append("released")
        await asyncio.wait_for(waiting, 5)
        assert order == ["606", "released", "605"]
    finally:
        await there.dispose()


async def _take(database: Database, telegram_id: int, order: list[str]) -> None:
    async with database.person_lock(telegram_id):
        order.append(str(telegram_id))


def test_person_lock_keys_fit_int4_and_differ_for_nearby_ids() -> None:
    ids = [1, 605, 2**31, 2**40 + 7, 7_000_000_000, -1001234567890, -1]
    keys = [person_lock_key(i) for i in ids]
    assert all(-(2**31) <= k < 2**31 for k in keys)
    assert len(set(keys)) == len(keys)


async def test_a_cancelled_wait_leaves_no_person_lock_behind(db: Database, db_url: str) -> None:
    """A handling cancelled (at shutdown) while waiting for a person must not end up
    holding them: the other process takes the person as soon as the holder lets go."""
    there = Database(db_url)
    try:
        for _ in range(20):
            async with db.person_lock(605):
                waiting = asyncio.create_task(_take(there, 605, []))
                await asyncio.sleep(0.01)
                waiting.cancel()
                await asyncio.gather(waiting, return_exceptions=True)
            await asyncio.sleep(0.05)  # an unlock sent after the cancel lands
            await asyncio.wait_for(_take(db, 605, []), 1)
            async with there.person_lock(605):
                pass
    finally:
        await there.dispose()


async def test_two_coordinators_decide_one_join_request_once(
    svc: Services, other: Services
) -> None:
    """One coordinator approves while another rejects, in two processes: the first
    decision stands, the second hears it was decided, the applicant is told once."""
    await _world(svc)
    async with svc.db.write() as conn:
        siti = await people.get_person_by_nip(conn, "197805122003122001")
        assert siti is not None
        await people.update_person(conn, siti.id, svc.clock.now(), telegram_id=601)
    admin, siti_there = await who(svc, 900), await who(other, 601)
    for number in range(ROUNDS):
        applicant = 7000 + number
        async with svc.db.write() as conn:
            request = await join_requests.create_request(
                conn,
                telegram_id=applicant,
                nip=f"19900101201501100{number}",
                name=f"Pelamar {number}",
                unit="Bidang Mutasi",
                language="id",
                now=svc.clock.now(),
            )
        decisions = await asyncio.gather(
            join_flow.decide(svc, admin, request.id, approve=True, role="mentee"),
            join_flow.decide(other, siti_there, request.id, approve=False),
        )
        outcomes = sorted(d.outcome for d in decisions)
        assert join_flow.Decided.ALREADY_DECIDED in outcomes, outcomes
        assert len(set(outcomes)) == 2, outcomes
        async with svc.db.read() as conn:
            told = (
                await conn.execute(select(func.count()).where(outbox_table.c.chat_id == applicant))
            ).scalar()
            joined = await people.get_person_by_nip(conn, f"19900101201501100{number}")
        assert told == 1
        approved = join_flow.Decided.APPROVED in outcomes
        assert (joined is not None) == approved
