"""Ending a pairing takes a reason and a confirmation, and a coordinator may keep it;
a logged session can be disputed, and answered messages still say which session."""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from storage import pairings, people, sessions
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, with_buttons


async def _budi_pairing(bot: BotUnderTest) -> pairings.Pairing:
    async with bot.svc.db.read() as conn:
        budi = await people.get_person_by_nip(conn, "199503172020121005")
        assert budi is not None
        found = await pairings.of_mentee(conn, budi.id, (pairings.ACTIVE, pairings.ENDED))
    return found[-1]


async def test_ending_asks_why_can_be_kept_and_tells_both_the_reason(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti, rina, budi = users["Siti Rahmawati"], users["Rina Kartika"], users["Budi Santoso"]

    # The mentee's "ask to end" is not sent at once: it asks why, and Cancel changes nothing.
    await budi.send_text("/mentor")
    await budi.press(await budi.next_message(), "Minta akhiri pasangan")
    why = await budi.next_message()
    assert "Mengapa Anda ingin mengakhiri pasangan dengan Rina Kartika" in why.text
    assert [b["text"] for b in why.buttons][-1] == "↩️ Batal, pertahankan pasangan"
    await budi.press(why, "↩️ Batal, pertahankan pasangan")
    await bot.drained()
    assert "tetap berjalan" in budi.current(why).text
    assert siti.unread() == []

    # With a reason it reaches the coordinators, who may keep the pairing.
    await budi.send_text("/mentor")
    await budi.press(await budi.next_message(), "Minta akhiri pasangan")
    why = await budi.next_message()
    await budi.press(why, "Pindah tugas, cuti, atau tidak ada waktu")
    await bot.drained()
    assert "sudah dikirim ke koordinator" in budi.current(why).text
    card = with_buttons(siti.unread())
    assert "Alasan: Pindah tugas, cuti, atau tidak ada waktu" in card.text
    assert [b["text"] for b in card.buttons] == ["⛔ Akhiri pasangan", "↩️ Pertahankan pasangan"]
    assert (await _budi_pairing(bot)).end_reason == "unavailable"
    await siti.press(card, "↩️ Pertahankan pasangan")
    await bot.drained()
    assert "Pasangan dipertahankan" in siti.current(card).text
    assert "memutuskan mempertahankan pasangan Anda dengan Rina Kartika" in budi.unread()[-1].text
    assert rina.unread() == []  # Rina never heard of the request
    kept = await _budi_pairing(bot)
    assert (kept.status, kept.end_reason, kept.end_requested_by_id) == ("active", None, None)

    # A coordinator's End asks for the reason first (Keep still there); then both are told.
    await budi.send_text("/mentor")
    await budi.press(await budi.next_message(), "Minta akhiri pasangan")
    await budi.press(await budi.next_message(), "Kurang cocok")
    await bot.drained()
    card = with_buttons(siti.unread())
    await siti.press(card, "⛔ Akhiri pasangan")
    await double.settle()
    assert (await _budi_pairing(bot)).status == "active"
    reasons = [b["text"] for b in siti.current(card).buttons]
    assert reasons[-1] == "↩️ Pertahankan pasangan"
    assert "Kurang cocok" in reasons
    await siti.press(siti.current(card), "Tujuan tercapai / program selesai")
    await bot.drained()
    ended = await _budi_pairing(bot)
    assert (ended.status, ended.end_reason) == ("ended", "done")
    assert "Pasangan diakhiri" in siti.current(card).text
    assert "Alasan: Tujuan tercapai / program selesai" in budi.unread()[-1].text
    assert "Alasan: Tujuan tercapai / program selesai" in rina.unread()[-1].text


async def test_a_disputed_session_never_counts_and_the_answer_names_the_session(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti, rina, budi = users["Siti Rahmawati"], users["Rina Kartika"], users["Budi Santoso"]

    async def log(user_text: str) -> None:
        await budi.send_text("/sesi")
        await budi.press(await budi.next_message(), "Hari ini")
        await budi.next_message()
        await budi.send_text("2 jam")
        await budi.next_message()
        await budi.send_text(user_text)
        await budi.press(await budi.next_message(), "🤝 Luring")
        await budi.next_message()
        await bot.drained()

    # The mentee logs; the mentor's request offers Confirm and "not as logged".
    await log("Membahas rancangan proyek")
    ask = with_buttons(rina.unread())
    assert [b["text"] for b in ask.buttons] == ["✅ Benar, konfirmasi", "⚠️ Tidak sesuai catatan"]
    confirm_data = ask.buttons[0]["callback_data"]
    await rina.press(ask, "⚠️ Tidak sesuai catatan")
    await bot.drained()
    answered = rina.current(ask).text
    assert "07-12-2026" in answered
    assert "120 menit" in answered
    assert "Membahas rancangan proyek" in answered
    assert "tidak dihitung ke JP" in answered
    assert "menyatakan sesi yang Anda catat" in budi.unread()[-1].text
    assert "Rina Kartika menyanggah sesi yang dicatat Budi Santoso" in siti.unread()[-1].text
    # A stale Confirm on a disputed session is refused; nothing counts.
    await rina.press_data(ask.message_id, confirm_data)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    async with bot.svc.db.read() as conn:
        disputed = await sessions.get_session(conn, 1)
    assert disputed is not None
    assert disputed.disputed_at is not None
    assert disputed.confirmed_at is None
    await budi.send_text("/progres")
    assert "JP tahun ini: <b>0</b>" in (await budi.next_message()).html

    # A confirmed session still says which one it was after the buttons are gone.
    await log("Sesi kedua yang benar")
    ask = with_buttons(rina.unread())
    await rina.press(ask, "✅ Benar, konfirmasi")
    await bot.drained()
    answered = rina.current(ask).text
    assert "Sesi kedua yang benar" in answered
    assert "120 menit" in answered
    assert "dikonfirmasi" in answered
    assert "Sesi kedua yang benar" in budi.unread()[-1].text  # asked for a rating
    await budi.send_text("/progres")
    assert "JP tahun ini: <b>2,7</b>" in (await budi.next_message()).html  # 120 / 45
