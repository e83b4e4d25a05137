"""Messages to other people are notices: worded when sent, in the recipient's language then,
and sent part by part without repeating the parts Telegram already has."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import catalogue
from bot.telegram_double import TelegramDouble
from storage import outbox, people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import IDS, paired, with_buttons

EMOJI = "🙂" * 1300
RINA = IDS["Rina Kartika"]


async def _submit(bot: BotUnderTest, answers: tuple[str, ...], budi_id: int) -> None:
    budi = bot.double.user(budi_id)
    await budi.send_text("/refleksi")
    for answer in answers:
        await budi.send_text(answer)
    await bot.double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.double.settle()


async def _retry(bot: BotUnderTest) -> None:
    bot.clock.advance(timedelta(seconds=6))  # past the first backoff
    bot.svc.outbox_wake()
    await bot.drained()


async def test_a_queued_copy_is_worded_when_sent(
    bot: BotUnderTest, double: TelegramDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    double.fail_next("sendMessage", 502, "Bad Gateway", chat_id=RINA)
    await _submit(bot, ("Kemajuan", "Kendala", "Rapat", "Belajar", "1 jam"), IDS["Budi Santoso"])
    assert rina.unread() == []  # queued, not delivered yet

    # While it waits, the catalogue is corrected and Rina switches to English.
    fixed = "Corrected: " + catalogue("en")["review.header"]
    monkeypatch.setitem(catalogue("en"), "review.header", fixed)
    async with bot.svc.db.write() as conn:
        rina_row = await people.get_person_by_telegram(conn, RINA)
        assert rina_row is not None
        await people.update_person(conn, rina_row.id, bot.clock.now(), language="en")
    await _retry(bot)

    copy = rina.unread()
    assert copy[0].text.startswith("Corrected: ")
    assert "Kemajuan" in copy[0].text
    assert with_buttons(copy).buttons[0]["text"] == catalogue("en")["review.approve"]
    assert "Reflection of Budi Santoso" in copy[0].text


async def test_a_copy_in_parts_resumes_after_the_parts_already_sent(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    double.fail_next("sendMessage", 502, "Bad Gateway", chat_id=RINA, after=1)
    await _submit(bot, (EMOJI, EMOJI, EMOJI, EMOJI, "1 jam"), IDS["Budi Santoso"])
    first = rina.unread()
    assert len(first) == 1  # the second part failed; the row waits for its retry
    await _retry(bot)

    rest = rina.unread()
    assert rest
    received = first + rest
    assert sum(m.text.count("🙂") for m in received) == 4 * 1300  # no part twice
    assert sum("Refleksi Budi Santoso" in m.text for m in received) == 1
    assert received[-1].buttons
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)).get("failed", 0) == 0


# parts go at four times Telegram's pace per person, into a double allowing as much
@pytest.mark.ceiling(4)
async def test_a_long_revision_request_reaches_the_mentee_in_parts(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await _submit(bot, ("Kemajuan", "Kendala", "Rapat", "Belajar", "1 jam"), IDS["Budi Santoso"])
    await bot.drained()
    budi.unread()
    await rina.press(with_buttons(rina.unread()), "↩️ Minta perbaikan")
    await rina.next_message()
    await rina.send_text("🙂" * 3000)  # within the 3 000-character limit; 6 000 UTF-16 units
    assert "Permintaan perbaikan terkirim" in (await rina.next_message()).text

    await bot.drained()
    notice = budi.unread()
    assert "meminta perbaikan" in notice[0].text
    assert sum(m.text.count("🙂") for m in notice) == 3000
    assert notice[-1].buttons[0]["text"] == "✏️ Perbaiki sekarang"


async def test_a_row_queued_before_notices_still_sends(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    async with bot.svc.db.write() as conn:
        await outbox.enqueue(
            conn,
            dedup_key="legacy:1",
            chat_id=RINA,
            text="<b>Pesan lama</b> dari antrean",
            now=bot.clock.now(),
            reply_markup={"rows": [[{"text": "Buka", "data": "rf:open:1"}]]},
        )
    bot.svc.outbox_wake()
    await bot.drained()
    [old] = rina.unread()
    assert old.text == "Pesan lama dari antrean"
    assert old.buttons[0]["text"] == "Buka"
