"""Pairing in chat: a coordinator proposes and sends offers, mentors accept or decline."""

from __future__ import annotations

from datetime import timedelta

from bot.flows import pairing as pairing_flow
from bot.flows import programmes
from bot.telegram_double import TelegramDouble
from storage import pairings, people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import create_programme, everyone_joins


async def test_match_offer_accept_decline_reoffer(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    siti, rina, yohanes = users["Siti Rahmawati"], users["Rina Kartika"], users["Yohanes Wenda"]

    await siti.send_text("/match Perubahan 2027")
    preview = await siti.next_message()
    assert "Budi Santoso → Rina Kartika (mentor menurut roster" in preview.text
    assert "Maria Kogoya → Yohanes Wenda" in preview.text
    await siti.press(preview, 0)
    await double.settle()
    assert "4 tawaran dikirim" in siti.current(preview).text

    offers_rina = await rina.next_messages(2)
    assert "Budi Santoso" in offers_rina[0].text
    await rina.press(offers_rina[0], "✅ Terima")
    assert (
        "Anda sekarang didampingi oleh <b>Rina Kartika</b>"
        in (await users["Budi Santoso"].next_message()).html
    )
    await double.settle()
    assert "Anda menerima Budi Santoso" in rina.current(offers_rina[0]).text

    # Rina declines Dewi: Dewi is offered to Yohanes (the only other mentor) and Siti is told.
    accept_dewi = offers_rina[1].buttons[0]["callback_data"]
    await rina.press(offers_rina[1], "❌ Tolak")
    await double.settle()
    yohanes_offers = [m for m in yohanes.unread() if "Dewi Lestari" in m.text]
    assert len(yohanes_offers) == 1
    notes = [m.text for m in siti.unread()]
    assert any(
        "Rina Kartika menolak mendampingi Dewi Lestari" in n and "Yohanes Wenda" in n
        for n in notes
    )

    # A stale press on the answered offer and a forged press by another mentor change nothing.
    await rina.press_data(offers_rina[1].message_id, accept_dewi)
    await double.settle()
    assert "sudah tidak berlaku" in double.callback_answers[-1]["text"]
    await rina.press_data(offers_rina[1].message_id, yohanes_offers[0].buttons[0]["callback_data"])
    await double.settle()
    assert "bukan untuk Anda" in double.callback_answers[-1]["text"]

    async with bot.svc.db.read() as conn:
        states = sorted(
            (p.mentee_id, p.mentor_id, p.status) for p in await pairings.of_programme(conn, 1)
        )
    statuses = [s for *_, s in states]
    assert statuses.count("active") == 1
    assert statuses.count("declined") == 1
    assert statuses.count("offered") == 3

    await users["Budi Santoso"].send_text("/mentor")
    assert "mentor Anda <b>Rina Kartika</b>" in (await users["Budi Santoso"].next_message()).html
    await rina.send_text("/mentees")
    assert "Budi Santoso" in (await rina.next_message()).text
    await double.settle()
    assert rina.unread() == []  # the declined Dewi is no longer listed


async def test_capacity_holds_and_offers_expire(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    programme = await programmes.by_name(bot.svc, "Perubahan 2027")
    assert programme is not None
    # Rina can carry only one mentee: everything else goes to Yohanes (capacity 3) or waits.
    async with bot.svc.db.write() as conn:
        rina = await people.get_person_by_nip(conn, "198209142008012003")
        assert rina is not None
        await people.update_person(conn, rina.id, bot.clock.now(), mentor_capacity=1)
    plan = await pairing_flow.apply(bot.svc, None, programme)
    assert plan is not None
    assert [plan.people[p.mentor_id].name for p in plan.proposals].count("Rina Kartika") == 1
    assert len(plan.unmatched) == 0
    again = await pairing_flow.apply(bot.svc, None, programme)  # nothing more to offer
    assert again is not None
    assert again.proposals == []

    bot.clock.advance(timedelta(hours=73))
    expired = await pairing_flow.expire_offers(bot.svc)
    assert expired == 4
    await double.settle()
    async with bot.svc.db.read() as conn:
        loads = await pairings.loads(conn)
    assert all(load <= 3 for load in loads.values())
    assert "tidak menjawab tawaran" in users["Siti Rahmawati"].messages[-1].text


async def test_mentee_cannot_match_and_asks_for_a_mentor(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    budi = users["Budi Santoso"]
    await budi.send_text("/match Perubahan 2027")
    assert "hanya koordinator" in (await budi.next_message()).text
    await budi.press_data(budi.messages[-1].message_id, "match:go:1")
    await double.settle()
    assert "hanya koordinator" in double.callback_answers[-1]["text"]
    async with bot.svc.db.read() as conn:
        assert await pairings.of_programme(conn, 1) == []
    await budi.send_text("/mentor")
    reply = await budi.next_message()
    assert "belum punya mentor" in reply.text
    await budi.press(reply, 0)
    await double.settle()
    assert any(
        "Budi Santoso" in m.text and "meminta mentor" in m.text
        for m in users["Siti Rahmawati"].unread()
    )
