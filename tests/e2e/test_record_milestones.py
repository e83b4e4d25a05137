"""/tonggak: a mentee marks a milestone done, the mentor confirms (or says not yet), the
mentee is told, and /progres and the supervisor's digest show the state.

The programme is a ``perubahan`` one, so it starts with the template's three milestones.
Budi's mentor is Rina; Yohanes mentors someone else and must not be able to answer for her.
"""

from __future__ import annotations

from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import milestone_marks, people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, with_buttons

BUDI_NIP = "199503172020121005"


async def _states(bot: BotUnderTest) -> list[str]:
    """Budi's milestone states as storage holds them, in milestone id order."""
    async with bot.svc.db.read() as conn:
        budi = await people.get_person_by_nip(conn, BUDI_NIP)
        assert budi is not None
        marks = (await milestone_marks.of_people(conn, [budi.id])).get(budi.id, {})
    return [marks[m].state for m in sorted(marks)]


async def _mark_first_open(bot: BotUnderTest, budi: DoubleUser) -> tuple[SentMessage, str]:
    """/tonggak and press the first "done" button; the list and that button's data."""
    await budi.send_text("/tonggak")
    listing = await budi.next_message()
    data = listing.buttons[0]["callback_data"]
    await budi.press(listing, 0)
    await bot.drained()
    return listing, data


async def test_mentee_marks_mentor_confirms_progress_and_digest_show_it(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina, yohanes = users["Budi Santoso"], users["Rina Kartika"], users["Yohanes Wenda"]
    agus = users["Dr. Agus Salim"]

    await budi.send_text("/tonggak")
    listing = await budi.next_message()
    assert "Tonggak · Perubahan 2027" in listing.text
    assert listing.text.count("◻️") == 3
    assert len(listing.buttons) == 3
    await budi.press(listing, 0)
    await bot.drained()
    assert "ditandai selesai" in budi.unread()[-1].text
    assert await _states(bot) == ["done"]
    refreshed = budi.current(listing)  # the list now shows it waiting, without its button
    assert "⏳ Rancangan proyek perubahan disetujui" in refreshed.text
    assert len(refreshed.buttons) == 2

    ask = with_buttons(rina.unread())
    assert "Budi Santoso" in ask.text
    assert "Rancangan proyek perubahan" in ask.text
    assert [b["text"] for b in ask.buttons] == ["✅ Konfirmasi", "↩️ Belum"]
    confirm = ask.buttons[0]["callback_data"]
    assert len(confirm.encode()) <= 64

    # Another mentor pressing the same data (forged on his own chat) changes nothing.
    await yohanes.press_data(yohanes.messages[-1].message_id, confirm)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    # So does the mentee trying to confirm their own milestone.
    await budi.press_data(budi.messages[-1].message_id, confirm)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    assert await _states(bot) == ["done"]

    await rina.press(ask, "✅ Konfirmasi")
    await bot.drained()
    assert "Anda mengonfirmasi tonggak ini" in rina.current(ask).text
    told = budi.unread()[-1]
    assert "Rina Kartika, mengonfirmasi tonggak" in told.text
    assert await _states(bot) == ["confirmed"]

    # A second press of the same button (a double tap, or a replayed update) is refused.
    await rina.press_data(ask.message_id, confirm)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    assert len(budi.unread()) == 0

    await budi.send_text("/progres")
    progress = await budi.next_message()
    assert "Rancangan proyek perubahan disetujui" in progress.text
    assert "✅ dikonfirmasi mentor" in progress.text
    assert progress.text.count("· belum") == 2
    await rina.send_text("/progres")
    assert "tonggak 1/3 dikonfirmasi" in (await rina.next_message()).text

    await agus.send_text("/ringkasan")
    await bot.drained()
    digest = "\n".join(m.text for m in agus.unread())
    budi_line = digest[digest.index("Budi Santoso") :]
    assert "Tonggak: 1/3 dikonfirmasi" in budi_line.split("\n\n")[0]


async def test_not_yet_opens_it_again_and_old_buttons_stay_stale(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]

    await _mark_first_open(bot, budi)
    first_ask = with_buttons(rina.unread())
    old_confirm = first_ask.buttons[0]["callback_data"]
    await rina.press(first_ask, "↩️ Belum")
    await bot.drained()
    assert "belum selesai" in budi.unread()[-1].text
    assert await _states(bot) == ["open"]

    # The stale "Confirm" of the first ask does nothing, even after it is marked again.
    await rina.press_data(first_ask.message_id, old_confirm)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    listing, mark_data = await _mark_first_open(bot, budi)
    assert mark_data.startswith("ms:done:")
    await rina.press_data(first_ask.message_id, old_confirm)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    assert await _states(bot) == ["done"]

    second_ask = with_buttons(rina.unread())
    assert second_ask.buttons[0]["callback_data"] != old_confirm
    await rina.press(second_ask, "✅ Konfirmasi")
    await bot.drained()
    assert await _states(bot) == ["confirmed"]

    # A mentee's own press on an already-marked milestone (an old list) changes nothing.
    await budi.press_data(listing.message_id, mark_data)
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    assert await _states(bot) == ["confirmed"]
