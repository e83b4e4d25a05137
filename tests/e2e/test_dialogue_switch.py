"""Starting another dialogue while one is open says what is left and how to go back."""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from storage import reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons


async def test_session_in_the_middle_of_a_reflection(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_text("Jawaban satu")
    assert "pertanyaan 2 dari 5" in (await budi.next_message()).text

    await budi.send_text("/sesi")
    left, asked = await budi.next_messages(2)
    assert "tersimpan sebagai draf" in left.text
    assert "/refleksi" in left.text
    assert "Kapan sesinya?" in asked.text

    await budi.send_text("/refleksi")
    left, question = await budi.next_messages(2)
    assert "/sesi" in left.text
    assert "pertanyaan 2 dari 5" in question.text
    await budi.send_text("Jawaban dua")  # an answer again, not a date
    assert "pertanyaan 3 dari 5" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
    assert draft.answers == {"0": "Jawaban satu", "1": "Jawaban dua"}


async def test_help_in_between_changes_nothing(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_text("/help")
    await double.settle()
    assert not any("tersimpan sebagai draf" in m.text for m in budi.unread())
    await budi.send_text("/refleksi")  # the same reflection: nothing is left behind
    await double.settle()
    assert not any("tersimpan sebagai draf" in m.text for m in budi.unread())


async def test_comment_button_in_the_middle_of_a_session_log(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ("Satu", "Dua", "Tiga", "Empat", "45 menit"))
    sent = with_buttons(rina.unread())
    await rina.send_text("/sesi")
    await rina.next_message()  # the session log's first question (waited for, not assumed)
    await rina.press(sent, "💬 Komentar")
    left, asked = await rina.next_messages(2)
    assert "Pencatatan sesi yang belum selesai dihentikan" in left.text
    assert "Tulis komentar Anda untuk Budi Santoso" in asked.text
