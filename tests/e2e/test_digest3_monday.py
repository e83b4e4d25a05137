"""The Monday digest is built straight from the facts' bits (``bot.flows.digest_lines``),
/ringkasan from each person's progress: a supervisor reads the same words either way."""

from __future__ import annotations

from datetime import datetime

from bot.scheduler import run_due_work
from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import late_approval_and_a_pause, paired


async def test_the_monday_digest_reads_as_ringkasan_does(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    agus = users["Dr. Agus Salim"]
    await late_approval_and_a_pause(bot, users)

    bot.clock.set(datetime.fromisoformat("2026-12-14T00:45:00+00:00"))  # Mon 07:45 WIB
    assert (await run_due_work(bot.svc))["digests"] == 3
    await bot.drained()
    monday = agus.unread()
    await agus.send_text("/ringkasan")
    await bot.drained()
    asked = agus.unread()
    assert [m.kind for m in monday] == [m.kind for m in asked] == ["text", "photo"]
    assert [m.text for m in monday] == [m.text for m in asked]
    assert "Refleksi minggu lalu: ✅ sudah, terlambat" in monday[0].text
