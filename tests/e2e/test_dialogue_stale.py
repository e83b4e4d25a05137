"""An open dialogue has an age: a text long after the last step is never delivered silently."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram_double import TelegramDouble
from storage import reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons

ANSWERS = ("Satu", "Dua", "Tiga", "Empat", "45 menit")


async def test_stale_comment_is_asked_about_before_it_is_sent(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ANSWERS)
    sent = with_buttons(rina.unread())
    await rina.press(sent, "💬 Komentar")
    await rina.next_message()

    bot.clock.advance(timedelta(days=3))  # Rina walked away; days later, an unrelated text
    await rina.send_text("Besok rapat jam 10 ya")
    asked = await rina.next_message()
    assert "Kirim pesan ini ke Budi Santoso sebagai komentar?" in asked.text
    assert "Besok rapat jam 10 ya" in asked.text
    await rina.press(asked, "✖️ Jangan kirim")
    assert "tidak ada yang dikirim ke Budi Santoso" in (await rina.next_message()).text
    await bot.drained()
    assert budi.unread() == []

    # Asked again and ignored: the next message closes the dialogue, still nothing sent.
    await rina.press(sent, "💬 Komentar")
    await rina.next_message()
    bot.clock.advance(timedelta(hours=1))
    await rina.send_text("Sudah makan siang?")
    await rina.next_message()
    await rina.send_text("Nanti sore saya telepon")
    assert "tidak ada yang dikirim" in (await rina.next_message()).text
    await rina.send_text("Halo")
    assert "belum mengerti" in (await rina.next_message()).text
    await bot.drained()
    assert budi.unread() == []

    # A yes sends it.
    await rina.press(sent, "💬 Komentar")
    await rina.next_message()
    bot.clock.advance(timedelta(minutes=45))
    await rina.send_text("Bagus, tambahkan data berkas")
    await rina.press(await rina.next_message(), "✅ Ya, kirim")
    assert "Komentar Anda terkirim" in (await rina.next_message()).text
    await bot.drained()
    assert "Bagus, tambahkan data berkas" in budi.unread()[-1].text
    async with bot.svc.db.read() as conn:
        [mine] = await reflections.of_person(conn, 5, 1)
        reviews = await reflections.reviews_of(conn, mine.id)
    assert [r.comment for r in reviews] == ["Bagus, tambahkan data berkas"]


async def test_fresh_comment_is_sent_at_once(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ANSWERS)
    await rina.press(with_buttons(rina.unread()), "💬 Komentar")
    await rina.next_message()
    bot.clock.advance(timedelta(minutes=20))
    await rina.send_text("Lanjutkan")
    assert "Komentar Anda terkirim" in (await rina.next_message()).text


async def test_stale_reflection_keeps_its_draft(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_text("Jawaban satu")
    assert "pertanyaan 2 dari 5" in (await budi.next_message()).text
    bot.clock.advance(timedelta(days=2))
    await budi.send_text("Pak, besok saya cuti")
    note = await budi.next_message()
    assert "tidak saya simpan sebagai jawaban" in note.text
    assert "/refleksi" in note.text
    await budi.send_photo(caption="foto liburan")  # not evidence of that reflection either
    await budi.next_message()
    await budi.send_text("/refleksi")
    assert "pertanyaan 2 dari 5" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
        evidence = await reflections.evidence_of(conn, draft.id)
    assert draft.answers == {"0": "Jawaban satu"}
    assert evidence == []


async def test_stale_session_log_is_closed(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/sesi")
    await budi.next_message()
    bot.clock.advance(timedelta(days=1))
    await budi.send_text("kemarin")
    assert "/sesi" in (await budi.next_message()).text
    await budi.send_text("kemarin")
    assert "belum mengerti" in (await budi.next_message()).text
