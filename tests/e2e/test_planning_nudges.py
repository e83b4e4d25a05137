"""Friday's reflection nudges through the Telegram double, planned one a minute: they go
over the morning in each person's own zone, not all at once, and a mentee who sends the
reflection (or pauses nudges) before their planned minute is not nudged.

Before planning every nudge was queued for the tick's instant, so all four mentees were
nudged at 09:30 WIB, including the one who reflected a minute later.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from bot.scheduler import run_due_work
from bot.telegram_double import DoubleUser, TelegramDouble
from storage.schema import outbox
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, with_buttons


async def _sent_what_is_due(bot: BotUnderTest, timeout: float = 10.0) -> None:
    """Like ``bot.drained()``, but only for what is due now: planned nudges stay waiting."""
    await bot.double.settle()
    assert bot.running is not None
    await bot.running.inbox.drained(timeout)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with bot.svc.db.read() as conn:
            due = await conn.scalar(
                select(func.count()).where(
                    outbox.c.status.in_(("pending", "sending")),
                    outbox.c.not_before <= bot.clock.now(),
                )
            )
        if not due:
            break
        assert loop.time() < deadline, f"{due} message(s) due not sent"
        bot.svc.outbox_wake()
        await asyncio.sleep(0.05)
    await bot.double.settle()


def _nudges(user: DoubleUser) -> list[str]:
    return [
        m.text
        for m in user.unread()
        if "refleksi mingguan" in m.text or "weekly reflection" in m.text
    ]


async def test_planned_nudges_go_in_turn_and_not_to_who_reflected_first(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, dewi, made, maria = (
        users[n] for n in ("Budi Santoso", "Dewi Lestari", "Made Wirawan", "Maria Kogoya")
    )
    bot.svc.nudge_rate = 1 / 60  # scaled down: one nudge a minute

    # Friday 11 Dec 02:30 UTC: 09:30 WIB, 10:30 WITA, 11:30 WIT; everyone's window is open.
    # The window that closes first goes first: Maria (WIT) now, Made (WITA) at 02:31,
    # Budi and Dewi (WIB) at 02:32 and 02:33.
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:30:00+00:00"))
    assert (await run_due_work(bot.svc))["reflection_nudges"] == 4
    await _sent_what_is_due(bot)
    assert len(_nudges(maria)) == 1
    assert [_nudges(u) for u in (made, budi, dewi)] == [[], [], []]

    # Still 02:30: Budi sends the week's reflection, Made pauses his nudges.
    await budi.send_text("/refleksi")
    for answer in ("Satu", "Dua", "Tiga", "Empat", "1"):
        await budi.send_text(answer)
    await _sent_what_is_due(bot)
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await made.send_text("/jeda 18-12-2026")
    await _sent_what_is_due(bot)
    for user in (budi, made):
        user.unread()

    # 02:33: every planned minute has come. Dewi is nudged; Budi (reflected) and Made
    # (paused) are not, and nothing is left waiting.
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:33:00+00:00"))
    await _sent_what_is_due(bot)
    assert len(_nudges(dewi)) == 1
    assert _nudges(budi) == []
    assert _nudges(made) == []
    assert _nudges(maria) == []
    async with bot.svc.db.read() as conn:
        waiting = await conn.scalar(
            select(func.count()).where(outbox.c.status.in_(("pending", "sending")))
        )
    assert waiting == 0
    # And the next tick does not nudge them again (one nudge a day, recorded when planned).
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:34:00+00:00"))
    assert (await run_due_work(bot.svc))["reflection_nudges"] == 0
