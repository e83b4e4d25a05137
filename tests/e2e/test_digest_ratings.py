"""Session ratings reach coordinators: averages per mentor in the programme digest, each
note on request with /catatan; nobody else sees them, whatever button they forge."""

from __future__ import annotations

from datetime import datetime

from bot.scheduler import run_due_work
from bot.telegram_double import DoubleUser, TelegramDouble
from storage import people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import IDS, paired

NOTE = "Mentor sering <terlambat> & terburu-buru"


async def _rated_session(
    bot: BotUnderTest, mentor: DoubleUser, mentee: DoubleUser, name: str, stars: int, note: str
) -> None:
    """The mentor logs an hour today; the mentee confirms, rates and writes a note."""
    await mentor.send_text("/sesi")
    await mentor.press(await mentor.next_message(), name)
    await mentor.press(await mentor.next_message(), 0)  # today
    await mentor.next_message()
    await mentor.send_text("1 jam")
    await mentor.next_message()
    await mentor.send_text("Membahas rancangan proyek")
    await mentor.press(await mentor.next_message(), 1)  # offline
    await bot.drained()
    await mentee.press(mentee.unread()[-1], 0)  # confirm
    await bot.drained()
    await mentee.press(mentee.unread()[-1], stars - 1)
    await bot.double.settle()
    await mentee.send_text(note)
    await bot.drained()
    mentor.unread()
    mentee.unread()


async def test_ratings_for_coordinators_only(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    rina, budi, dewi = users["Rina Kartika"], users["Budi Santoso"], users["Dewi Lestari"]
    siti, agus = users["Siti Rahmawati"], users["Dr. Agus Salim"]
    await _rated_session(bot, rina, budi, "Budi Santoso", 2, NOTE)
    await _rated_session(bot, rina, dewi, "Dewi Lestari", 3, "Very helpful")

    # The programme digest: Rina's average, with a decimal comma.
    await siti.send_text("/ringkasan")
    overview = (await siti.next_message()).text
    assert "• Rina Kartika: 2,5 ⭐ dari 2 sesi · 2 catatan" in overview
    assert "Catatan mentee per mentor: /catatan" in overview
    assert "terlambat" not in overview  # notes on request only

    # Each note on request.
    await siti.send_text("/catatan")
    listing = await siti.next_message()
    assert "Rina Kartika: 2,5 ⭐" in listing.text
    await siti.press(listing, "📝 Rina Kartika (2)")
    notes = await siti.next_message()
    assert "Catatan mentee untuk Rina Kartika" in notes.text
    assert NOTE in notes.text
    assert "Mentor sering &lt;terlambat&gt; &amp; terburu-buru" in notes.html
    assert "⭐⭐ · Budi Santoso" in notes.text
    assert "Very helpful" in notes.text

    # Nobody else: not the supervisor, not the mentor, not with a forged button.
    for user in (agus, rina, budi):
        await user.send_text("/catatan")
        assert "hanya untuk koordinator" in (await user.next_message()).text
    async with bot.svc.db.read() as conn:
        mentor = await people.get_person_by_telegram(conn, IDS["Rina Kartika"])
    assert mentor is not None
    for user in (agus, rina):
        await user.press_data(user.messages[-1].message_id, f"rn:m:{mentor.id}")
        await double.settle()
        assert double.callback_answers[-1]["show_alert"] is True
        assert user.unread() == []

    # The Monday digest carries the averages to the coordinators, not to the supervisor.
    bot.clock.set(datetime.fromisoformat("2026-12-14T00:45:00+00:00"))  # Mon 07:45 WIB
    await run_due_work(bot.svc)
    await bot.drained()
    assert "• Rina Kartika: 2,5 ⭐ dari 2 sesi" in "\n".join(m.text for m in siti.unread())
    supervisor = "\n".join(m.text for m in agus.unread())
    assert "Ringkasan mingguan" in supervisor
    assert "⭐" not in supervisor
    assert "terlambat" not in supervisor
