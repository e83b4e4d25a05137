"""A webhook worker killed with SIGKILL around one update: Telegram (the double) delivers it
again after the restart and it is handled exactly once; nothing is lost.

The double kills the worker from inside its own request handling, so each point is exact:

=======  ==========================================================================
pushed   the double is about to POST the update: the worker never gets it
stored   the update is stored, its handler runs (a stranger's /help writes nothing) and
         calls Telegram; the call dies with the worker, so the row is not done
written  the handler committed its write (a NIP during registration); its reply reaches
         the double and is dropped; the worker never answered the POST
replied  the reply is delivered; the worker dies before answering the POST
=======  ==========================================================================

The killed worker is a real ``pembina run --webhook`` process; the worker that takes over
listens on the same port from the test's process (tests.e2e.processes.restart).

In each case the worker had not answered 200, so the double redelivers. The restarted
worker handles an update not done and acknowledges one already done without handling it
again. With python-telegram-bot's own webhook server (200 before the handler ran), the
update of "stored" would have been lost, and with a handler that replied before checking
whether it was done, "written" and "replied" would have answered twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from bot.app import Running, stop_bot
from bot.telegram_double import TelegramDouble
from storage import inbox
from storage.db import Database
from tests.e2e.processes import restart
from tests.e2e.webhook_worker import Worker
from tests.e2e.world import texts_until

NIP = "199001012015031002"
USER = 850


class KillAt:
    """A double hook that SIGKILLs the worker once, at ``point`` around the update whose
    message text is ``text`` (found by its content when the double first pushes it)."""

    def __init__(self, point: str, pid: int, text: str) -> None:
        self.point, self.pid, self.text = point, pid, text
        self.update_id: int | None = None
        self.pushes = 0
        self.killed = False

    def _kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.killed = True

    def __call__(self, stage: str, method: str, params: dict[str, Any], result: Any) -> bool:
        if method == "webhook" and stage == "request":
            if params.get("message", {}).get("text") == self.text:
                self.update_id = int(params["update_id"])
                self.pushes += 1
                if self.point == "pushed" and not self.killed:
                    self._kill()
                    return True  # the POST never reaches the worker
            return False
        if self.killed or self.update_id is None or method != "sendmessage":
            return False
        if str(params.get("chat_id")) != str(USER):
            return False
        if self.point in ("stored", "written") and stage == "request":
            self._kill()
            return True  # the reply dies with the worker
        if self.point == "replied" and stage == "response":
            self._kill()
        return False


async def _row_state(db_url: str, update_id: int) -> str:
    database = Database(db_url)
    try:
        async with database.read() as conn:
            if await inbox.is_done(conn, update_id):
                return "done"
            stored = {row.update_id for row in await inbox.undone(conn)}
            return "stored" if update_id in stored else "absent"
    finally:
        await database.dispose()


@pytest.mark.parametrize("point", ["pushed", "written", "replied"])
async def test_kill_9_around_a_webhook_update_handles_it_once(
    point: str, double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    user = double.user(USER, first_name="Rudi")
    worker = Worker(double, db_url, tmp_path)
    await worker.start()
    restarted: Running | None = None
    try:
        await user.send_text("/start")
        intro = await user.next_messages(2, timeout=30)
        assert "Langkah 1 dari 3" in intro[1].text

        kill = KillAt(point, worker.pid, NIP)
        double.on_call(kill)
        await user.send_text(NIP)
        assert worker.process is not None
        await asyncio.wait_for(worker.process.wait(), 30)
        assert worker.process.returncode == -signal.SIGKILL
        assert kill.update_id is not None
        # the kill point is what it claims: the NIP's change committed or not there at all
        expected = "absent" if point == "pushed" else "done"
        assert await _row_state(db_url, kill.update_id) == expected
        before_restart = [m.text for m in user.unread()]

        restarted = await restart(double, db_url, webhook=worker.config())
        await double.settle(quiet=0.5, timeout=30)  # redelivered and acknowledged
        await user.send_text("Rudi Hartono")
        after = await texts_until(user, "Langkah 3 dari 3", timeout=30)
        await double.settle(quiet=0.5)
        after += [m.text for m in user.unread()]
    finally:
        await worker.stop()  # at once when it was killed
        if restarted is not None:
            await stop_bot(restarted)

    assert kill.pushes >= 2  # Telegram sent it again after the crash
    step_two = sum("Langkah 2 dari 3" in text for text in before_restart + after)
    # Handled once: one "step 2" reply (none when it died with the worker), and the name
    # that followed was taken as the name (step 3), not as a wrong NIP.
    assert step_two == (0 if point == "written" else 1), (before_restart, after)
    assert await _row_state(db_url, kill.update_id) == "done"


async def test_kill_9_while_an_update_is_stored_but_not_done(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    user = double.user(USER, first_name="Rudi")
    worker = Worker(double, db_url, tmp_path)
    await worker.start()
    restarted: Running | None = None
    try:
        kill = KillAt("stored", worker.pid, "/help")
        double.on_call(kill)
        await user.send_text("/help")
        assert worker.process is not None
        await asyncio.wait_for(worker.process.wait(), 30)
        assert kill.killed
        assert kill.update_id is not None
        assert await _row_state(db_url, kill.update_id) == "stored"
        assert user.unread() == []  # its reply died with the worker

        restarted = await restart(double, db_url, webhook=worker.config())
        texts = await texts_until(user, "belum terdaftar", timeout=30)
        await double.settle(quiet=0.5, timeout=30)
        texts += [m.text for m in user.unread()]
    finally:
        await worker.stop()  # at once when it was killed
        if restarted is not None:
            await stop_bot(restarted)
    assert kill.pushes >= 2
    assert sum("belum terdaftar" in text for text in texts) == 1, texts  # once, not lost
    assert await _row_state(db_url, kill.update_id) == "done"
    database = Database(db_url)
    try:
        async with database.read() as conn:
            assert (await inbox.counts(conn))["waiting"] == 0
    finally:
        await database.dispose()
