"""An edited message is never the answer to the step open now: it updates the answer it
gave while that answer is still open, or gets a note and changes nothing."""

from __future__ import annotations

from bot.telegram_double import TelegramDouble
from storage import conversations, reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, with_buttons

NIP = "199001012015031002"


async def test_registration_edit_updates_its_own_answer(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    user = double.user(800, first_name="Sari")
    await user.send_text("/start")
    await user.next_messages(2)
    await user.send_text(NIP)
    await user.next_message()
    name = await user.send_text("Sari Dewi")
    assert "Langkah 3 dari 3" in (await user.next_message()).text

    await user.edit_text(name, "Sari Dewi Putri, S.Sos.")  # while at the unit step
    reply = await user.next_message()
    assert "nama sekarang Sari Dewi Putri, S.Sos." in reply.text
    assert "Langkah 3 dari 3" in reply.text
    await user.edit_text(name, "12")  # not acceptable: nothing changes
    reply = await user.next_message()
    assert "tidak saya pakai" in reply.text
    assert "Langkah 3 dari 3" in reply.text
    async with bot.svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, 800)
    assert conv is not None
    assert (conv.step, conv.data["name"], "unit" in conv.data) == (
        "unit",
        "Sari Dewi Putri, S.Sos.",
        False,
    )

    await user.send_text("Bagian Umum")
    summary = await user.next_message()
    assert "Sari Dewi Putri, S.Sos." in summary.text
    assert "Bagian Umum" in summary.text


async def test_reflection_edit_updates_the_answer_it_gave(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    first = await budi.send_text("Jawaban satu")
    await budi.next_message()
    second = await budi.send_text("Jawaban dua")
    assert "pertanyaan 3 dari 5" in (await budi.next_message()).text

    await budi.edit_text(second, "Jawaban dua, diperbaiki")  # while at question 3
    saved, again = await budi.next_messages(2)
    assert "Jawaban 2 refleksi minggu 07-12-2026 diperbarui" in saved.text
    assert "pertanyaan 3 dari 5" in again.text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
    assert draft.answers == {"0": "Jawaban satu", "1": "Jawaban dua, diperbaiki"}

    await budi.send_text("Tiga")
    await budi.next_message()
    await budi.send_text("Empat")
    await budi.next_message()
    hours = await budi.send_text("45 menit")
    await double.settle()
    budi.unread()
    await budi.edit_text(hours, "2 jam")
    await double.settle()
    shown = budi.unread()
    assert "Jawaban 5" in shown[0].text
    assert "2 jam" in shown[-1].text  # the summary again, with the new hours
    await budi.edit_text(hours, "dua jam")
    await double.settle()
    assert "tidak saya pakai" in budi.unread()[0].text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
    assert (draft.answers["4"], draft.minutes) == ("2 jam", 120)

    await budi.press(with_buttons(shown), "📤 Kirim ke mentor")
    await bot.drained()
    budi.unread()
    await budi.edit_text(first, "Sudah terkirim, diubah")  # sent: no longer open
    assert "tidak mengubah apa pun" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        [sent] = await reflections.of_person(conn, 5, 1)
    assert (sent.status, sent.answers["0"]) == ("submitted", "Jawaban satu")


async def test_session_edit_is_not_taken_as_the_next_answer(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/sesi")
    await budi.press(await budi.next_message(), 0)  # today
    await budi.next_message()
    minutes = await budi.send_text("45 menit")
    await budi.next_message()  # the topic question
    await budi.edit_text(minutes, "2 jam")
    assert "tidak mengubah apa pun" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, 605)
    assert conv is not None
    assert (conv.step, conv.data["minutes"], "topic" in conv.data) == ("topic", 45, False)
    await budi.send_text("Wawancara pegawai")
    assert "Daring atau luring?" in (await budi.next_message()).text
