"""Flow-level: an offer to a mentor who blocked the bot waits (no clock, nothing queued)
and is sent, clocked, when they write to the bot again."""

from __future__ import annotations

from datetime import date

from bot.flows import pairing, programmes, reachability
from bot.flows.programmes import NewProgramme
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from storage import outbox, pairings, people
from tests.conftest import DEMO_ROSTER

YOHANES_NIP = "198011202005011004"


async def test_offer_to_a_blocked_mentor_waits_until_they_come_back(svc: Services) -> None:
    await import_roster(svc, await validate_roster(svc, DEMO_ROSTER.read_text()))
    now = svc.clock.now()
    async with svc.db.write() as conn:
        yohanes = await people.get_person_by_nip(conn, YOHANES_NIP)
        assert yohanes is not None
        await people.update_person(conn, yohanes.id, now, telegram_id=604, status="unreachable")
    maria_and_yohanes = ("199802142022032008", YOHANES_NIP)
    created = await programmes.create(
        svc,
        NewProgramme(
            "Perubahan 2027",
            "perubahan",
            date(2026, 12, 7),
            date(2027, 3, 26),
            4,
            maria_and_yohanes,
        ),
    )
    assert created.programme is not None

    plan = await pairing.apply(svc, None, created.programme)
    assert plan is not None
    assert [p.mentor_id for p in plan.waiting] == [yohanes.id]
    async with svc.db.read() as conn:
        offer = (await pairings.of_mentor(conn, yohanes.id, (pairings.OFFERED,)))[0]
        queued = await outbox.exists(conn, f"pair:{offer.id}:offer")
    assert offer.offered_at is None
    assert not queued

    async with svc.db.read() as conn:
        blocked = await people.get_person(conn, yohanes.id)
    assert blocked is not None
    await reachability.seen_again(svc, blocked)
    async with svc.db.read() as conn:
        offer_now = await pairings.get_pairing(conn, offer.id)
        queued = await outbox.exists(conn, f"pair:{offer.id}:offer")
    assert offer_now is not None
    assert offer_now.offered_at == svc.clock.now()
    assert queued
