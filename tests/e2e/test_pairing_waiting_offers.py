"""Offers to mentors who have not joined yet: reported as waiting, not as sent; their
answer window starts when they join; the welcome tells them, and the offers follow."""

from __future__ import annotations

from datetime import timedelta

from bot.flows import pairing as pairing_flow
from bot.telegram_double import TelegramDouble
from storage import pairings, people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.test_onboarding import _register
from tests.e2e.world import IDS, PROGRAMME, create_programme

YOHANES_NIP = "198011202005011004"


async def _yohanes_offers(bot: BotUnderTest) -> list[pairings.Pairing]:
    async with bot.svc.db.read() as conn:
        yohanes = await people.get_person_by_nip(conn, YOHANES_NIP)
        assert yohanes is not None
        return await pairings.of_mentor(conn, yohanes.id, (pairings.OFFERED, pairings.EXPIRED))


async def test_offers_wait_for_a_mentor_who_has_not_joined(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    users = {}
    for name, user_id in IDS.items():
        if name == "Yohanes Wenda":
            continue
        users[name] = double.user(user_id, first_name=name.split()[0])
        await users[name].send_text(f"/start {codes[name]}")
        await users[name].next_message()
    await create_programme(bot)
    siti = users["Siti Rahmawati"]

    await siti.send_text(f"/match {PROGRAMME}")
    preview = await siti.next_message()
    maria_line = next(line for line in preview.text.splitlines() if "Maria Kogoya" in line)
    assert "mentor belum dapat dihubungi" in maria_line
    await siti.press(preview, 0)
    await bot.drained()
    applied = siti.current(preview).text
    # Two offers reached Rina; the two for Yohanes are named as waiting, not "sent".
    assert "2 tawaran dikirim" in applied
    assert "2 tawaran belum dapat dikirim" in applied
    assert "Yohanes Wenda (untuk Maria Kogoya)" in applied
    assert "Yohanes Wenda (untuk Made Wirawan)" in applied
    waiting = await _yohanes_offers(bot)
    assert [p.offered_at for p in waiting] == [None, None]

    # Rina answers hers; days pass: an offer that never reached anyone does not expire.
    rina = users["Rina Kartika"]
    for offer in [m for m in rina.unread() if m.buttons]:
        await rina.press(offer, "✅ Terima")
    await bot.drained()
    bot.clock.advance(timedelta(hours=100))
    await pairing_flow.expire_offers(bot.svc)
    assert [p.status for p in await _yohanes_offers(bot)] == ["offered", "offered"]

    # Yohanes joins: the welcome mentions the offers, they follow with buttons, and the
    # answer window starts now.
    yohanes = double.user(IDS["Yohanes Wenda"], first_name="Yohanes")
    await yohanes.send_text(f"/start {codes['Yohanes Wenda']}")
    welcome = await yohanes.next_message()
    assert "Ada 2 permintaan mendampingi yang menunggu Anda" in welcome.text
    await bot.drained()
    offers = [m for m in yohanes.unread() if m.buttons]
    assert {("Maria Kogoya" in m.text) for m in offers} == {True, False}
    assert all("dalam 72 jam" in m.text for m in offers)
    started = await _yohanes_offers(bot)
    assert [p.offered_at for p in started] == [bot.clock.now(), bot.clock.now()]
    await yohanes.press(offers[0], "✅ Terima")
    await double.settle()
    async with bot.svc.db.read() as conn:
        accepted = await pairings.get_pairing(conn, started[0].id)
    assert accepted is not None
    assert accepted.status == "active"


async def test_offers_follow_a_mentor_approved_through_a_join_request(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    siti = double.user(IDS["Siti Rahmawati"], first_name="Siti")
    await siti.send_text(f"/start {codes['Siti Rahmawati']}")
    await siti.next_message()
    await create_programme(bot)
    await siti.send_text(f"/match {PROGRAMME}")
    await siti.press(await siti.next_message(), 0)
    await bot.drained()
    siti.unread()

    # Yohanes lost his link and registers; the coordinator links him (warned) as mentor.
    yohanes = double.user(IDS["Yohanes Wenda"], first_name="Yohanes")
    await _register(yohanes, YOHANES_NIP, "Yohanes Wenda", "BKPSDM Kab. Jayapura")
    card = await siti.next_message()
    await siti.press(card, "✅ Mentor")
    await double.settle()
    await siti.press(siti.current(card), 0)
    await bot.drained()
    arrived = yohanes.unread()
    assert "disetujui" in arrived[0].text
    assert "Ada 2 permintaan mendampingi yang menunggu Anda" in arrived[0].text
    assert len([m for m in arrived[1:] if m.buttons]) == 2
    assert all(p.offered_at == bot.clock.now() for p in await _yohanes_offers(bot))
