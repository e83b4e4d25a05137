"""Text made only of invisible characters is empty on every text input path."""

from __future__ import annotations

import pytest

from bot.flows.visible import has_visible, visible_or_empty
from bot.telegram_double import TelegramDouble
from storage import conversations, reflections, sessions
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, with_buttons

NIP = "199001012015031002"
# Hangul filler, zero width space, braille blank, Hangul half-width filler, word joiner,
# Mongolian vowel separator, an ideographic space and a BOM: each looks like nothing.
BLANK = "\u3164\u200b\u2800\uffa0\u2060\u180e\u3000\ufeff"


@pytest.mark.parametrize(
    "text",
    ["\u3164\u3164\u3164", "\u200b", "\u2800\u2800", "\u115f\u1160", " \u00ad ", BLANK, ""],
)
def test_blank_looking_text_has_nothing_visible(text: str) -> None:
    assert not has_visible(text)
    assert visible_or_empty(text) == ""


@pytest.mark.parametrize("text", ["Budi", "\u200bBudi\u3164", "😀", "٣", "ㅎ", "·"])
def test_text_with_a_visible_character_is_kept(text: str) -> None:
    assert has_visible(text)
    assert visible_or_empty(f"  {text} ") == text


async def test_registration_name_and_unit(bot: BotUnderTest, double: TelegramDouble) -> None:
    user = double.user(810, first_name="Sari")
    await user.send_text("/start")
    await user.next_messages(2)
    await user.send_text(NIP)
    assert "Langkah 2 dari 3" in (await user.next_message()).text
    await user.send_text("\u3164\u3164\u3164\u3164")
    reply = await user.next_message()
    assert "Nama terlalu pendek" in reply.text
    assert "Langkah 2 dari 3" in reply.text
    await user.send_text("Sari Dewi")
    assert "Langkah 3 dari 3" in (await user.next_message()).text
    await user.send_text(BLANK)
    reply = await user.next_message()
    assert "unit kerja terlalu pendek" in reply.text
    await double.settle()
    async with bot.svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, 810)
    assert conv is not None
    assert conv.step == "unit"


async def test_reflection_answer_review_comment_and_session_topic(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]

    # A reflection answer of blanks is refused and nothing is saved.
    await budi.send_text("/refleksi")
    assert "pertanyaan 1 dari 5" in (await budi.next_message()).text
    await budi.send_text("\u2800\u2800\u2800")
    reply = await budi.next_message()
    assert "Jawaban tidak boleh kosong" in reply.text
    assert "pertanyaan 1 dari 5" in reply.text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
    assert draft.answers == {}
    for answer in ("Menyusun rancangan", "Wawancara", "Data kurang", "Rapat", "2"):
        await budi.send_text(answer)
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()

    # A revision comment of blanks is refused; the mentee is sent nothing.
    await rina.press(with_buttons(rina.unread()), "↩️ Minta perbaikan")
    await rina.next_message()
    budi.unread()
    await rina.send_text("\u200b\u3164")
    assert "Komentar tidak boleh kosong" in (await rina.next_message()).text
    await bot.drained()
    assert budi.unread() == []
    async with bot.svc.db.read() as conn:
        [sent] = await reflections.of_person(conn, 5, 1)
        assert await reflections.reviews_of(conn, sent.id) == []
    assert sent.status == "submitted"
    await rina.send_text("/cancel")
    await rina.next_message()

    # A session topic of blanks is refused; the step stays at the topic.
    await rina.send_text("/sesi")
    await rina.press(await rina.next_message(), "Budi Santoso")
    await rina.press(await rina.next_message(), "Hari ini")
    await rina.next_message()
    await rina.send_text("1 jam")
    await rina.next_message()
    await rina.send_text("\u3164\u3164\u3164\u3164\u3164")
    assert "Topik harus 3 sampai 500 karakter" in (await rina.next_message()).text
    await double.settle()
    async with bot.svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, rina.user_id)
        assert await sessions.get_session(conn, 1) is None
    assert conv is not None
    assert conv.step == "topic"


async def test_programme_name_in_the_wizard(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    siti = users["Siti Rahmawati"]
    await siti.send_text("/newprogram")
    assert "langkah 1 dari 6" in (await siti.next_message()).text
    await siti.send_text("\u2800\u3164\u200b\u2800")
    reply = await siti.next_message()
    assert "Nama program harus 3 sampai 100 karakter" in reply.text
    await double.settle()
    async with bot.svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, siti.user_id)
    assert conv is not None
    assert conv.step == "name"
