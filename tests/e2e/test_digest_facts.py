"""The digest's facts (``storage.weekly_facts``) follow what people do in chat: a late
reflection sent back for revision, fixed, sent again and approved; one waiting; a session
logged and confirmed; then an erasure. After each, the facts are what migration 0021
would make from history, and /progres figures from the facts equal those from every row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.flows.progress import progress_and_last_sessions, progress_from_history
from bot.telegram_double import TelegramDouble
from storage import people, progress_facts, weekly_facts
from storage.schema import weekly_facts as facts_table
from storage.schema import yearly_facts
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons

ANSWERS = ("Satu", "Dua", "Tiga", "Empat", "1 jam 30 menit")
NOW = datetime.fromisoformat("2026-12-21T00:45:00+00:00")  # the next Monday, 07:45 WIB


async def _facts(bot: BotUnderTest) -> list[list[tuple[object, ...]]]:
    async with bot.svc.db.read() as conn:
        return [
            [tuple(row) for row in await conn.execute(select(t).order_by(*t.c))]
            for t in (facts_table, yearly_facts)
        ]


async def _agree_with_history(bot: BotUnderTest) -> list[list[tuple[object, ...]]]:
    """The kept facts, after checking them against history both ways."""
    kept = await _facts(bot)
    async with bot.svc.db.read() as conn:
        mentees = [p for p in await people.all_people(conn) if "mentee" in p.roles]
        from_facts, last = await progress_and_last_sessions(conn, mentees, NOW)
        assert from_facts == await progress_from_history(conn, mentees, NOW)
        assert last == await progress_facts.last_sessions(conn, [p.id for p in mentees])
    async with bot.svc.db.write() as conn:
        await weekly_facts.rebuild(conn)  # the migration's backfill
    assert await _facts(bot) == kept
    return kept


async def test_facts_follow_the_weekly_loop_and_survive_erasure(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, made, rina = users["Budi Santoso"], users["Made Wirawan"], users["Rina Kartika"]
    siti = users["Siti Rahmawati"]

    # Budi's first week, on Saturday (late); Rina asks for a revision; he fixes and resends.
    bot.clock.set(datetime.fromisoformat("2026-12-12T03:00:00+00:00"))  # Sat 10:00 WIB
    await submit_reflection(bot, budi, ANSWERS)
    await rina.press(with_buttons(rina.unread()), "↩️ Minta perbaikan")
    await rina.next_message()
    await rina.send_text("Tambahkan data")
    await bot.drained()
    rina.unread()
    revision = with_buttons(budi.unread())
    await budi.press(revision, "✏️ Perbaiki sekarang")
    await bot.double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()
    budi.unread()
    async with bot.svc.db.read() as conn:
        budi_id = (await people.get_person_by_telegram(conn, budi.user_id)).id  # type: ignore[union-attr]
    waiting = await _agree_with_history(bot)
    bit = 1 << weekly_facts.week_index(date(2026, 12, 7)) % weekly_facts.BLOCK
    assert [row[3:] for row in waiting[0] if row[0] == budi_id] == [(bit, bit)]  # late
    assert waiting[1] == []  # nothing approved, no session confirmed: no minutes yet

    # Approved: 90 minutes count. Made's week waits for review.
    await rina.press(with_buttons(rina.unread()), "✅ Setujui")
    await bot.drained()
    await submit_reflection(bot, made, ANSWERS)
    for user in users.values():
        user.unread()
    approved = await _agree_with_history(bot)
    assert [row[2] for row in approved[1] if row[0] == budi_id] == [90]

    # Rina logs an hour with Budi today; he confirms it.
    await rina.send_text("/sesi")
    await rina.press(await rina.next_message(), "Budi Santoso")
    await rina.press(await rina.next_message(), "Hari ini")
    await rina.next_message()
    await rina.send_text("60")
    await rina.next_message()
    await rina.send_text("Membahas proyek")
    await rina.press(await rina.next_message(), "🤝 Luring")
    await rina.next_message()
    await budi.press(await budi.next_message(), "✅ Benar, konfirmasi")
    await bot.drained()
    for user in users.values():
        user.unread()  # the rating question, the mentor's notice
    held = await _agree_with_history(bot)
    assert [row[2:4] for row in held[1] if row[0] == budi_id] == [(90, 60)]

    # Budi's data is erased: the facts hold only ids, weeks and minutes, so they stay
    # (the counts reports need), still equal to history, and none of his data is in them.
    await budi.send_text("/hapusdata")
    await budi.press(await budi.next_message(), "🗑 Ya, ajukan penghapusan data")
    await bot.drained()
    [card] = [m for m in siti.unread() if m.buttons]
    await siti.press(card, "🗑 Setujui penghapusan")
    await bot.drained()
    assert await _agree_with_history(bot) == held
    words = {str(value) for table in held for row in table for value in row}
    assert not {"Budi Santoso", "199503172020121005", str(budi.user_id)} & words
