"""``pembina run`` killed with SIGKILL while a notice goes out in several parts: after a
restart the rest follows, and at most the part in flight arrives twice. The bot
that takes over runs in the test process (tests.e2e.processes.restart)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from bot import presenter
from bot.app import Running, stop_bot
from bot.clock import SystemClock
from bot.telegram_double import TelegramDouble
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade
from tests.e2e.processes import restart
from tests.e2e.test_crash import _start_bot

CHAT = 70_001
PARAMS = {
    "reflection_id": 1,
    "version": 1,
    "mentee": "Budi Santoso",
    "programme": "Perubahan 2027",
    "week_start": "2026-12-07",
    "late": False,
    "questions": [{"key": "reflect.q.learned"}] * 4,
    "answers": {str(n): " ".join(f"kata{n}.{i}" for i in range(700)) for n in range(4)},
    "minutes": None,
}


async def test_kill_9_between_parts_of_a_notice(db_url: str, tmp_path: Path) -> None:
    expected = presenter.render("reflection.copy", PARAMS, "id")
    assert len(expected) >= 6
    database = Database(db_url)
    await upgrade(database)
    async with database.write() as conn:
        await outbox.enqueue(
            conn,
            dedup_key="crash:copy",
            chat_id=CHAT,
            now=SystemClock().now(),
            kind="reflection.copy",
            params=PARAMS,
        )
    await database.dispose()

    async with TelegramDouble() as double:
        double.open_chat(CHAT)
        process = await _start_bot(double, db_url, tmp_path)
        restarted: Running | None = None
        try:
            for _ in range(400):  # kill once some parts have gone out, not all
                if len(double.messages_in(CHAT)) >= 2:
                    break
                await asyncio.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            before = len(double.messages_in(CHAT))
            assert 0 < before < len(expected)

            restarted = await restart(double, db_url)
            for _ in range(600):
                texts = Counter(m.text for m in double.messages_in(CHAT))
                if len(texts) == len(expected):
                    break
                await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 20)
            if restarted is not None:
                await stop_bot(restarted)
    assert len(texts) == len(expected)  # every part, in the end
    assert sum(texts.values()) - len(expected) <= 1  # at most the one in flight twice
    assert double.messages_in(CHAT)[-1].buttons  # the review buttons under the last part
