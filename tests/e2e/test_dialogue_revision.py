"""A revision asked for after its week has ended opens the reflection it belongs to."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram_double import TelegramDouble
from storage import reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons

ANSWERS = ("Satu", "Dua", "Tiga", "Empat", "45 menit")


async def test_revision_of_last_week_opens_last_week(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ANSWERS)  # the week of 7 Dec
    sent = with_buttons(rina.unread())

    bot.clock.advance(timedelta(days=7))  # Monday 14 Dec: that week has ended
    await rina.press(sent, "↩️ Minta perbaikan")
    await rina.next_message()
    await rina.send_text("Tambahkan angka berkas per bulan")
    await rina.next_message()
    notice = await budi.next_message()
    assert "minggu 07-12-2026" in notice.text

    # The button opens the week of 7 Dec, not the new week.
    await budi.press(notice, "✏️ Perbaiki sekarang")
    await double.settle()
    opened = budi.unread()
    assert "minggu 07-12-2026" in opened[0].text
    assert not any("14-12-2026" in m.text for m in opened)
    await budi.send_photo(caption="Rekap berkas")  # evidence of the week being revised
    assert "Bukti ke-1" in (await budi.next_message()).text
    await budi.send_text("/cancel")
    await budi.next_message()

    # /refleksi offers the pending revision first.
    await budi.send_text("/refleksi")
    offer = await budi.next_message()
    assert "07-12-2026" in offer.text
    await budi.press(offer, 0)
    await double.settle()
    summary = budi.unread()
    assert "minggu 07-12-2026" in summary[0].text
    await budi.press(with_buttons(summary), "✏️ 3")
    await budi.next_message()
    await budi.send_text("Tiga, dengan 120 berkas per bulan")
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()
    resent = budi.unread()[-1].text
    assert "07-12-2026" in resent
    assert "terlambat" not in resent  # sent on time; the revision was asked for later
    copies = [m.text for m in rina.unread() if "(versi 2)" in m.text]
    assert copies
    assert "terlambat" not in copies[0]

    # With the revision sent, /refleksi goes to this week.
    await budi.send_text("/refleksi")
    assert "minggu 14-12-2026 · pertanyaan 1 dari 5" in (await budi.next_message()).text

    async with bot.svc.db.read() as conn:
        [revised, current] = await reflections.of_person(conn, 5, 1)
        evidence = await reflections.evidence_of(conn, revised.id)
    assert (revised.week_start.isoformat(), revised.status, revised.version) == (
        "2026-12-07",
        "submitted",
        2,
    )
    assert not revised.late
    assert revised.answers["2"] == "Tiga, dengan 120 berkas per bulan"
    assert [e.caption for e in evidence] == ["Rekap berkas"]
    assert (current.status, current.answers) == ("draft", {})
