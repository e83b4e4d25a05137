"""/sesi: a mentor logs a session, the mentee confirms and rates it, JP follows."""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from storage import sessions
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired


async def test_log_confirm_rate_and_jp(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    rina, budi = users["Rina Kartika"], users["Budi Santoso"]

    await rina.send_text("/sesi")
    who = await rina.next_message()
    assert [b["text"] for b in who.buttons] == ["Budi Santoso", "Dewi Lestari"]
    await rina.press(who, "Budi Santoso")
    day = await rina.next_message()
    await rina.send_text("31-12-2026")  # in the future
    assert "hari ini atau sebelumnya" in (await rina.next_message()).text
    await rina.press(day, "Kemarin")  # Sunday 6 Dec... before the programme started
    assert "tidak sebelum program dimulai" in (await rina.next_message()).text
    await rina.press(day, "Hari ini")
    await rina.next_message()
    await rina.send_text("sepuluh jam")
    assert "Lama sesi tidak terbaca" in (await rina.next_message()).text
    await rina.send_text("9")  # nine hours: more than a working day
    assert "paling lama 8 jam" in (await rina.next_message()).text
    await rina.send_text("60")  # too many to be hours: the minutes people mean
    assert "topik" in (await rina.next_message()).text
    await rina.send_sticker()
    assert "teks" in (await rina.next_message()).text
    await rina.send_text("Membahas <rancangan> proyek")
    mode = await rina.next_message()
    await rina.press(mode, "🤝 Luring")
    assert "Budi Santoso diminta mengonfirmasi" in (await rina.next_message()).text

    ask = await budi.next_message()
    assert "Membahas <rancangan> proyek" in ask.text
    confirm_data = ask.buttons[0]["callback_data"]
    await rina.press_data(rina.messages[-1].message_id, confirm_data)  # the logger cannot confirm
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True

    await budi.press(ask, "✅ Benar, konfirmasi")
    rating = await budi.next_message()
    assert "hanya dilihat koordinator" in rating.text
    await budi.press(rating, "⭐⭐⭐")
    await double.settle()
    await budi.send_text("Sangat membantu")
    assert "Terima kasih atas masukannya" in (await budi.next_message()).text

    async with bot.svc.db.read() as conn:
        saved = await sessions.get_session(conn, 1)
    assert saved is not None
    assert (saved.minutes, saved.mode, saved.rating, saved.rating_note) == (
        60,
        "offline",
        3,
        "Sangat membantu",
    )
    assert saved.confirmed_at is not None

    await budi.send_text("/progres")
    assert "JP tahun ini: <b>1,3</b> dari 20 JP" in (await budi.next_message()).html  # 60 / 45
