"""Snoozing a nudge for a day: the promise and the pause name the next working day."""

from __future__ import annotations

from datetime import datetime

from bot.flows import nudges
from bot.scheduler import run_due_work
from bot.telegram_double import TelegramDouble
from storage import people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import IDS, paired


async def _paused_until(bot: BotUnderTest, name: str) -> datetime | None:
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, IDS[name])
    assert person is not None
    return person.nudges_paused_until


async def test_snooze_one_day_on_friday_ends_on_monday(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, dewi = users["Budi Santoso"], users["Dewi Lestari"]
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:30:00+00:00"))  # Friday 09:30 WIB
    await run_due_work(bot.svc)
    await bot.drained()

    await budi.press(budi.messages[-1], "😴 Tunda 1 hari kerja")
    await dewi.press(dewi.messages[-1], "😴 Snooze 1 working day")  # Dewi reads English
    await double.settle()
    assert "ditunda sampai Senin 14-12-2026 09:30" in budi.messages[-1].text
    assert "snoozed until Monday 14-12-2026 09:30" in dewi.messages[-1].text
    assert "Sabtu" not in budi.messages[-1].text
    monday = datetime.fromisoformat("2026-12-14T02:30:00+00:00")
    assert await _paused_until(bot, "Budi Santoso") == monday


def test_snooze_one_day_skips_holidays_and_cuti_bersama() -> None:
    """Wednesday 23 Dec 2026 10:00 WIT: the 24th is cuti bersama and the 25th Christmas,
    so a day's snooze ends on Monday the 28th at 10:00 WIT."""
    now = datetime.fromisoformat("2026-12-23T01:00:00+00:00")
    until = nudges.snooze_until(now, "Asia/Jayapura", 1)
    assert until == datetime.fromisoformat("2026-12-28T01:00:00+00:00")
