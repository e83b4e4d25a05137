"""The real ``pembina run`` killed with SIGKILL at each point around one update: after
restart the update is applied exactly once and the person continues at the right step.

The double kills the bot from inside its own request handling, so each point is exact:

=========  ==========================================================================
fetched    the double has the getUpdates answer carrying the update, the bot never reads it
confirmed  the bot asks for the next offset: Telegram forgets the update from here on
written    the handler committed its write; its reply reaches the double and is dropped
replied    the reply is delivered; the bot dies before it reads Telegram's answer
=========  ==========================================================================

The killed bot is a real ``pembina run`` process; the bot that starts after it runs the same
start (``build_application``, ``start_bot``, the system clock) inside the test process, over
HTTP against the same double and on the same database: all the kill left behind is there,
and a second process start cost a second of CPU per test.

Before the inbox, "confirmed" lost the update: PTB confirmed the batch as soon as it was
queued in memory, so after the restart the person's NIP was gone and their name was taken
for a NIP.

At "confirmed" the update's handling runs beside the poller (it starts once the batch is
stored, and the next ``getUpdates`` goes out meanwhile): when the bot dies, the handling
may not have begun, or may have committed, its reply delivered or dying with the bot (the
"written" case). Which one is read from the database afterwards (the row done by the
killed bot or by the restarted one), and each has its one right outcome.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Running, stop_bot
from bot.telegram_double import TelegramDouble
from storage import inbox
from storage.db import Database
from storage.schema import inbox as inbox_rows
from tests.conftest import REPO
from tests.e2e.processes import restart, stop_gently
from tests.e2e.world import texts_until

NIP = "199001012015031002"
USER = 850


async def start_pembina(
    double: TelegramDouble, db_url: str, workdir: Path
) -> asyncio.subprocess.Process:
    """``python -m bot run`` against the double, its log appended to ``workdir/bot.log``."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "DATABASE_URL": db_url,
        "PEMBINA_ADMIN_IDS": "900",
        "PYTHONPATH": str(REPO),
    }
    with (workdir / "bot.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=workdir, env=env, stdout=log, stderr=log
        )


async def handled_before(db_url: str, update_id: int, moment: datetime) -> bool:
    """Whether the update's row was marked done before ``moment`` (by the killed bot)."""
    database = Database(db_url)
    try:
        async with database.read() as conn:
            found = await conn.execute(
                select(inbox_rows.c.done_at).where(inbox_rows.c.update_id == update_id)
            )
            done_at = found.scalar()
    finally:
        await database.dispose()
    assert done_at is not None
    return bool(done_at < moment)


# Whether the killed bot had committed the update, where the point decides it.
HANDLED_BY_THE_KILLED_BOT = {"fetched": False, "written": True, "replied": True}


class KillAt:
    """A double hook that SIGKILLs the bot once, at ``point`` around the update carrying
    ``text`` (a message's text or a button's data) from ``USER``; found by its content, so
    it is armed before the update exists. ``written`` kills at the handler's first call to
    Telegram after its write (the reply, or the answer to a button) and drops that call;
    ``replied`` once the last of its calls (the reply, or the edit) is delivered."""

    def __init__(self, point: str, pid: int, text: str, *, press: bool = False) -> None:
        self.point, self.pid, self.text = point, pid, text
        self.first_call = "answercallbackquery" if press else "sendmessage"
        self.last_call = "editmessagetext" if press else "sendmessage"
        self.update_id: int | None = None
        self.killed = False

    def _carries(self, update: dict[str, Any]) -> bool:
        content = update.get("message", {}).get("text")
        return self.text in (content, update.get("callback_query", {}).get("data"))

    def __call__(self, stage: str, method: str, params: dict[str, Any], result: Any) -> bool:
        if self.killed:
            return False
        if method == "getupdates" and stage == "response" and self.update_id is None:
            for update in result:
                if self._carries(update):
                    self.update_id = update["update_id"]
        if self.update_id is None:
            return False
        point, hit = self.point, False
        if point == "fetched" and stage == "response" and method == "getupdates":
            hit = any(u["update_id"] == self.update_id for u in result)
        elif point == "confirmed" and stage == "request" and method == "getupdates":
            hit = int(params.get("offset") or 0) > self.update_id
        elif point == "written":
            hit = stage == "request" and method == self.first_call
        elif point == "replied":
            hit = stage == "response" and method == self.last_call
        if not hit:
            return False
        os.kill(self.pid, signal.SIGKILL)
        self.killed = True
        return point == "written"  # the call dies with the bot: the double drops it


@pytest.mark.parametrize("point", ["fetched", "confirmed", "written", "replied"])
async def test_kill_9_around_an_update_loses_nothing(
    point: str, double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    user = double.user(USER, first_name="Rudi")
    process = await start_pembina(double, db_url, tmp_path)
    restarted: Running | None = None
    try:
        await user.send_text("/start")
        intro = await user.next_messages(2, timeout=30)
        assert "Langkah 1 dari 3" in intro[1].text

        kill = KillAt(point, process.pid, NIP)
        double.on_call(kill)
        await user.send_text(NIP)
        await asyncio.wait_for(process.wait(), 30)
        assert process.returncode == -signal.SIGKILL
        assert kill.killed
        update_id = kill.update_id
        assert update_id is not None
        if point == "confirmed":
            assert double.confirmed_upto >= update_id  # Telegram will not hand it back
        before_restart = [m.text for m in user.unread()]

        restarted_at = datetime.now(UTC)
        restarted = await restart(double, db_url)
        await user.send_text("Rudi Hartono")
        after = await texts_until(user, "Langkah 3 dari 3", timeout=30)
        await double.settle(quiet=0.5)
        after += [m.text for m in user.unread()]
    finally:
        await stop_gently(process)  # at once when it was killed
        if restarted is not None:
            await stop_bot(restarted)

    before = sum("Langkah 2 dari 3" in text for text in before_restart)
    again = sum("Langkah 2 dari 3" in text for text in after)
    # The NIP was applied once, and the name that followed was taken as the name (step 3),
    # not as a wrong NIP: by the killed bot (its "step 2" reply delivered, or dead with it
    # when it died sending it) and never again, or by the restarted bot, replying once.
    by_killed = await handled_before(db_url, update_id, restarted_at)
    assert by_killed == HANDLED_BY_THE_KILLED_BOT.get(point, by_killed)
    if by_killed:
        assert again == 0, (before_restart, after)
        assert before <= 1, before_restart
        if point in ("written", "replied"):
            assert before == (point == "replied"), before_restart
    else:
        assert (before, again) == (0, 1), (before_restart, after)
    database = Database(db_url)
    try:
        async with database.read() as conn:
            assert await inbox.is_done(conn, update_id)
            assert (await inbox.counts(conn))["waiting"] == 0
    finally:
        await database.dispose()


@pytest.mark.parametrize("point", ["fetched", "confirmed", "written", "replied"])
async def test_kill_9_around_a_button_press_loses_nothing(
    point: str, double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    """The same four points around a press of "English": after the restart the language is
    English (the press applied once) and the person's next message is answered in it."""
    user = double.user(USER, first_name="Rudi")
    process = await start_pembina(double, db_url, tmp_path)
    restarted: Running | None = None
    try:
        await user.send_text("/language")
        menu = await user.next_message(timeout=30)
        english = next(b for b in menu.buttons if "English" in b["text"])
        kill = KillAt(point, process.pid, english["callback_data"], press=True)
        double.on_call(kill)
        await user.press(menu, "🇬🇧 English")
        await asyncio.wait_for(process.wait(), 30)
        assert process.returncode == -signal.SIGKILL
        assert kill.killed
        answered_before = [a for a in double.callback_answers if a["user_id"] == USER]
        edited_before = len(menu.history)

        restarted_at = datetime.now(UTC)
        restarted = await restart(double, db_url)
        await user.send_text("/help")
        texts = await texts_until(user, "you are not registered yet", timeout=30)
        await double.settle(quiet=0.5)
    finally:
        await stop_gently(process)  # at once when it was killed
        if restarted is not None:
            await stop_bot(restarted)
    assert not any("belum terdaftar" in text for text in texts), texts
    changed = [a for a in double.callback_answers if a["user_id"] == USER]
    edited = menu.text == "All right, I will speak English."
    assert len(menu.history) == int(edited)  # never edited twice
    assert kill.update_id is not None
    by_killed = await handled_before(db_url, kill.update_id, restarted_at)
    assert by_killed == HANDLED_BY_THE_KILLED_BOT.get(point, by_killed)
    if by_killed:
        # Its write stands; answered and edited by the killed bot as far as it got, and
        # never again: nothing when it died on its answer, both when it died after.
        assert changed == answered_before
        assert len(menu.history) == edited_before
        if point in ("written", "replied"):
            assert (len(changed), edited) == ((0, False) if point == "written" else (1, True))
    else:
        assert (len(answered_before), edited_before) == (0, 0)
        assert (len(changed), edited) == (1, True), (changed, menu.text)
    database = Database(db_url)
    try:
        async with database.read() as conn:
            assert kill.update_id is not None
            assert await inbox.is_done(conn, kill.update_id)
            assert (await inbox.counts(conn))["waiting"] == 0
    finally:
        await database.dispose()
