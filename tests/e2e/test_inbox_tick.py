"""``pembina jobs tick --at`` while the bot runs: it queues, the running bot sends, and
nobody gets a nudge twice.

Before, the tick sent by itself with leases on its ``--at`` clock, already expired by the
running bot's clock, so the bot could claim and send the same rows again.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime

from bot.telegram_double import TelegramDouble
from storage import outbox
from tests.conftest import REPO
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired

NUDGE_ID = "Waktunya refleksi mingguan"
NUDGE_EN = "Time for the weekly reflection"  # Dewi reads English
MENTEES = ("Budi Santoso", "Dewi Lestari", "Made Wirawan", "Maria Kogoya")


async def test_jobs_tick_queues_and_the_running_bot_sends_once(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    # The running bot is a few minutes ahead of the instant the operator ticks.
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:35:00+00:00"))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "DATABASE_URL": bot.db_url,
        "PYTHONPATH": str(REPO),
        "PEMBINA_LANGUAGE": "en",
    }
    tick = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "jobs",
        "tick",
        "--at",
        "2026-12-11T02:30:00+00:00",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(tick.communicate(), 60)
    assert tick.returncode == 0, err.decode()
    assert "Reflection reminders queued: 4" in out.decode()
    assert "the running bot (pembina run) sends queued messages" in out.decode()

    await bot.drained(timeout=30)
    await asyncio.sleep(1.5)  # a sender that took the rows again would have sent by now
    await bot.drained(timeout=30)
    for name in MENTEES:
        nudges = [m for m in users[name].unread() if NUDGE_ID in m.text or NUDGE_EN in m.text]
        assert len(nudges) == 1, (name, nudges)
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)).get("pending", 0) == 0
