"""Two webhook workers behind one URL (a round-robin proxy, as a reverse proxy would be):
updates are shared between them, and when one is killed with SIGKILL while an update is
stored but not done, the *other* worker, never restarted, handles it once when Telegram
sends it again. (Had the dead worker answered 200 on receipt, the update would wait in its
inbox until some worker restarted; with PTB's webhook server it would be lost.)
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from bot.telegram_double import TelegramDouble
from storage import inbox
from storage.db import Database
from tests.e2e.webhook_worker import RoundRobin, Worker

FIRST_USER = 860


async def test_two_workers_share_updates_and_the_survivor_takes_a_dead_ones(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    workers = [Worker(double, db_url, tmp_path / "a"), Worker(double, db_url, tmp_path / "b")]
    proxy = RoundRobin(workers)
    for worker in workers:
        worker.public_url = proxy.url  # both register the proxy's URL with Telegram
    users = [double.user(FIRST_USER + n, first_name=f"P{n}") for n in range(10)]
    victim = double.user(FIRST_USER + 99, first_name="Korban")
    killed: dict[str, Any] = {}

    def kill_on_reply(stage: str, method: str, params: dict[str, Any], result: Any) -> bool:
        """SIGKILL the worker handling the victim's /help when it sends the reply (the
        update is stored, not done: /help writes nothing); the reply dies with it."""
        if killed or stage != "request" or method != "sendmessage":
            return False
        if str(params.get("chat_id")) != str(victim.user_id):
            return False
        update_id = next(u for u, chat in proxy.chats.items() if chat == victim.user_id)
        port = proxy.sent_to[update_id][-1]
        worker = next(w for w in workers if w.port == port)
        killed.update(worker=worker, update_id=update_id)
        os.kill(worker.pid, signal.SIGKILL)
        return True

    async with proxy.running():
        await workers[0].start(ready=False)
        await workers[1].start(ready=False)
        try:
            for worker in workers:
                await worker.wait_ready()
            for user in users:
                await user.send_text("/help")
            for user in users:
                assert "belum terdaftar" in (await user.next_message(timeout=30)).text
            await double.settle(quiet=0.3, timeout=30)
            served = Counter(ports[-1] for ports in proxy.sent_to.values())
            assert set(served) == {w.port for w in workers}, served  # both took updates

            double.on_call(kill_on_reply)
            await victim.send_text("/help")
            dead: Worker = await _wait_for(lambda: killed.get("worker"))
            assert dead.process is not None
            await asyncio.wait_for(dead.process.wait(), 30)
            survivor = next(w for w in workers if w is not dead)
            reply = await victim.next_message(timeout=30)  # the survivor, not a restart
            await double.settle(quiet=0.5, timeout=30)
            assert survivor.process is not None
            assert survivor.process.returncode is None
        finally:
            for worker in workers:
                await worker.stop()
    assert "belum terdaftar" in reply.text
    assert victim.unread() == []  # once
    assert all(user.unread() == [] for user in users)
    update_id = killed["update_id"]
    assert proxy.sent_to[update_id][-1] == survivor.port
    database = Database(db_url)
    try:
        async with database.read() as conn:
            assert await inbox.is_done(conn, update_id)
            assert await inbox.counts(conn) == {"done": len(users) + 1, "waiting": 0}
    finally:
        await database.dispose()


async def _wait_for(get: Any, timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while (value := get()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("never happened")
        await asyncio.sleep(0.05)
    return value
