"""Onboarding as people live it: invite links, self-registration, coordinator decisions."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram_double import DoubleUser, TelegramDouble
from storage import join_requests, people
from tests.e2e.conftest import ADMIN_ID, BotUnderTest

NEW_NIP = "199001012015031002"


async def _join(user: DoubleUser, code: str) -> str:
    await user.send_text(f"/start {code}")
    return (await user.next_message()).text


async def test_invite_link_binds_and_greets_in_role(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    budi = double.user(501, first_name="Budi")
    greeting = await _join(budi, codes["Budi Santoso"])
    assert "Halo, Budi Santoso!" in greeting
    assert "peserta (mentee)" in greeting
    assert "20 JP" in greeting
    await double.settle()
    assert "profil" in budi.menu()  # Indonesian names for an Indonesian reader
    assert "permintaan" not in budi.menu()

    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, 501)
    assert person is not None
    assert person.name == "Budi Santoso"

    # English-speaking mentee (language column of the roster) is greeted in English.
    dewi = double.user(502, first_name="Dewi", language_code="id")
    assert "Hello, Dewi Lestari!" in await _join(dewi, codes["Dewi Lestari"])

    # The coordinator on the roster gets the coordinator menu.
    siti = double.user(503, first_name="Siti")
    assert "koordinator" in await _join(siti, codes["Siti Rahmawati"])
    await double.settle()
    assert {"permintaan", "pegawai", "undang"} <= set(siti.menu())


async def test_used_unknown_and_expired_codes_bind_nothing(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    budi, intruder = double.user(501), double.user(666, first_name="Mallory")
    await _join(budi, codes["Budi Santoso"])

    assert "sudah dipakai" in await _join(intruder, codes["Budi Santoso"])
    assert "tidak dikenal" in await _join(intruder, "NoSuchCode123")
    assert "tidak dikenal" in await _join(intruder, "<script>")
    # The same person opening their link again is simply greeted again.
    assert "Halo, Budi Santoso!" in await _join(budi, codes["Budi Santoso"])
    # An account already bound cannot take a second person.
    await budi.send_text(f"/start {codes['Made Wirawan']}")
    assert "sudah terhubung dengan <b>Budi Santoso</b>" in (await budi.next_message()).html

    bot.clock.advance(timedelta(days=31))
    assert "kedaluwarsa" in await _join(intruder, codes["Rina Kartika"])
    async with bot.svc.db.read() as conn:
        assert await people.get_person_by_telegram(conn, 666) is None
        rina = await people.get_person_by_nip(conn, "198209142008012003")
    assert rina is not None
    assert rina.telegram_id is None


async def _register(user: DoubleUser, nip: str, name: str, unit: str) -> None:
    await user.send_text("/start")
    intro = await user.next_messages(2)
    assert "Selamat datang" in intro[0].text
    assert "NIP" in intro[1].text
    await user.send_text(nip)
    assert "nama lengkap" in (await user.next_message()).text
    await user.send_text(name)
    assert "unit kerja" in (await user.next_message()).text
    await user.send_text(unit)
    summary = await user.next_message()
    assert "Mohon periksa" in summary.text
    await user.press(summary, "✅ Kirim")
    assert "sudah dikirim ke koordinator" in (await user.next_message()).text


async def test_stranger_join_request_approved(bot: BotUnderTest, double: TelegramDouble) -> None:
    admin = double.user(ADMIN_ID, first_name="Admin")
    await admin.send_text("/start")
    assert "koordinator" in (await admin.next_message()).text

    eko = double.user(700, first_name="Eko")
    await _register(eko, NEW_NIP, "<b>Eko</b> & Sons", "Bidang Mutasi")

    note = await admin.next_message()
    assert "Permintaan bergabung" in note.text
    assert "<b>Eko</b> & Sons" in note.text  # shown literally: escaped, not interpreted
    reject_data = note.buttons[-1]["callback_data"]
    await admin.press(note, "✅ Mentor")
    welcome = await eko.next_message()
    assert "disetujui" in welcome.text
    await double.settle()
    assert "profil" in eko.menu()
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, 700)
        request = await join_requests.pending_requests(conn)
    assert person is not None
    assert person.roles == frozenset({"mentor"})
    assert person.nip == NEW_NIP
    assert request == []
    assert "✅ Disetujui sebagai mentor." in admin.current(note).text
    assert admin.current(note).reply_markup in (None, {}, {"inline_keyboard": []})

    # A stale button (a double tap, another coordinator's copy) is answered politely.
    await admin.press_data(note.message_id, reject_data)
    await double.settle()
    assert "sudah diputuskan" in double.callback_answers[-1]["text"]
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, 700)
    assert person is not None


async def test_stranger_join_request_rejected(bot: BotUnderTest, double: TelegramDouble) -> None:
    admin = double.user(ADMIN_ID, first_name="Admin", language_code="en")
    await admin.send_text("/start")
    await admin.next_message()
    tono = double.user(701, first_name="Tono")
    await _register(tono, NEW_NIP, "Tono Sutrisno", "Bidang Mutasi")
    note = await admin.next_message()
    assert "Join request" in note.text  # the coordinator's Telegram is in English
    await admin.press(note, "❌ Reject")
    assert "belum dapat disetujui" in (await tono.next_message()).text
    await double.settle()
    async with bot.svc.db.read() as conn:
        assert await people.get_person_by_telegram(conn, 701) is None
    # Once rejected, /start begins a fresh registration.
    await tono.send_text("/start")
    assert "NIP" in (await tono.next_messages(2))[1].text


async def test_mentee_cannot_do_coordinator_things(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    budi = double.user(501)
    await _join(budi, codes["Budi Santoso"])
    eko = double.user(700)
    await _register(eko, NEW_NIP, "Eko Prasetyo", "Bidang Mutasi")
    async with bot.svc.db.read() as conn:
        [request] = await join_requests.pending_requests(conn)

    await budi.send_text("/requests")
    assert "hanya koordinator" in (await budi.next_message()).text
    await budi.send_text("/invite 199707082021022006")
    assert "hanya koordinator" in (await budi.next_message()).text
    await budi.press_data(budi.messages[-1].message_id, f"jr:ok:{request.id}:mentor")
    await double.settle()
    assert "hanya koordinator" in double.callback_answers[-1]["text"]
    async with bot.svc.db.read() as conn:
        still = await join_requests.get_request(conn, request.id)
        assert await people.get_person_by_telegram(conn, 700) is None
    assert still is not None
    assert still.status == "pending"


async def test_forged_and_garbage_buttons_change_nothing(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    budi = double.user(501)
    await budi.send_text("/start")
    await budi.next_messages(2)
    for data in (
        "lang:fr",
        "tz:UTC",
        "jr:ok:1:admin",
        "reg:send",
        "zzz",
        "jr:ok:99999999999999999999:x",
    ):
        await budi.press_data(budi.messages[-1].message_id, data)
        await double.settle()
        assert double.callback_answers[-1]["show_alert"] is True
    await budi.send_text(NEW_NIP)  # still at the NIP step
    assert "nama lengkap" in (await budi.next_message()).text
