"""Long text is cut as Telegram counts it (UTF-16 units), on every path that sends it."""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from bot.telegram_double.html import utf16_len
from storage import outbox
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, with_buttons

EMOJI = "🙂" * 1300  # 1 300 characters by len(), 2 600 UTF-16 units by Telegram's count


async def test_emoji_reflection_reaches_mentee_and_mentor(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]

    await budi.send_text("/refleksi")
    for _ in range(4):
        await budi.send_text(EMOJI)
    await budi.send_text("1 jam")
    await double.settle()
    summary = budi.unread()
    assert all(utf16_len(m.text) <= 4096 for m in summary)
    assert sum(m.text.count("🙂") for m in summary) == 4 * 1300  # nothing was refused
    await budi.press(with_buttons(summary), "📤 Kirim ke mentor")
    assert "terkirim ke mentor" in (await budi.next_message()).text

    await bot.drained()
    received = rina.unread()
    assert sum(m.text.count("🙂") for m in received) == 4 * 1300
    assert received[-1].buttons  # the review buttons come with the last part
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)).get("failed", 0) == 0


async def test_long_answer_in_two_parts_is_joined_at_a_space(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    first = ("kata " * 900).strip()  # the Telegram app cut a long text after "kata"

    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_text(first)
    assert "Jawaban panjang diterima" in (await budi.next_message()).text
    await budi.send_text("akhir kalimat")
    await double.settle()
    budi.unread()
    for answer in ("Data belum lengkap", "Rapat", "Belajar", "1 jam"):
        await budi.send_text(answer)
    await double.settle()
    summary = "\n".join(m.text for m in budi.unread())
    assert "kata kata akhir kalimat" in summary
    assert "kata\nakhir" not in summary


async def test_a_long_evidence_caption_reaches_the_mentor(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    caption = "Notulen rapat " + "🙂" * 500  # 1 014 UTF-16 units: Telegram took it from Budi

    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_photo(caption=caption)
    assert "Bukti ke-1 disimpan" in (await budi.next_message()).text
    for answer in ("Kemajuan", "Kendala", "Rapat", "Belajar", "1 jam"):
        await budi.send_text(answer)
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()

    received = rina.unread()
    assert received[0].kind == "photo"
    assert utf16_len(received[0].text) <= 1024
    assert received[0].text.startswith("📎 Bukti 1 dari Budi Santoso Notulen rapat 🙂")
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)).get("failed", 0) == 0
