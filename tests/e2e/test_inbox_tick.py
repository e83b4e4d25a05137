"""``pembina jobs tick --at`` while the bot runs: it queues, the running bot sends, and
nobody gets a nudge twice.

Before, the tick sent by itself with leases on its ``--at`` clock, already expired by the
running bot's clock, so the bot could claim and send the same rows again.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path

from bot.telegram_double import TelegramDouble
from storage import outbox
from tests import cli_runner
from tests.conftest import REPO
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired

NUDGE_ID = "Waktunya refleksi mingguan"
NUDGE_EN = "Time for the weekly reflection"  # Dewi reads English
MENTEES = ("Budi Santoso", "Dewi Lestari", "Made Wirawan", "Maria Kogoya")


async def test_jobs_tick_queues_and_the_running_bot_sends_once(
    bot: BotUnderTest, double: TelegramDouble, tmp_path: Path
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
    # The operator's command (its main, in a thread of this process: tests/cli_runner.py)
    # on the database the running bot uses, with its own connections and clock.
    args = ["jobs", "tick", "--at", "2026-12-11T02:30:00+00:00"]
    tick = await asyncio.wait_for(
        asyncio.to_thread(cli_runner.run, args, cwd=tmp_path, env=env), 60
    )
    assert tick.returncode == 0, tick.stderr
    assert "Reflection reminders queued: 4" in tick.stdout
    assert "the running bot (pembina run) sends queued messages" in tick.stdout

    await bot.drained(timeout=30)
    await asyncio.sleep(1.5)  # a sender that took the rows again would have sent by now
    await bot.drained(timeout=30)
    for name in MENTEES:
        nudges = [m for m in users[name].unread() if NUDGE_ID in m.text or NUDGE_EN in m.text]
        assert len(nudges) == 1, (name, nudges)
    async with bot.svc.db.read() as conn:
        assert (await outbox.counts(conn)).get("pending", 0) == 0
