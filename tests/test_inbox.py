"""The inbox on its own: one chat's updates in order, chats at once within the bound, a row
done with the handler's first write (or after a handler that wrote nothing), rows left
undone by a crash handled first on the next start."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from telegram import Bot, Update

from bot.clock import FixedClock
from bot.inbox import Inbox
from storage import inbox as rows
from storage import outbox
from storage.db import Database


def _message(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_765_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "A"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


async def test_one_chat_in_order_chats_at_once_within_the_bound(
    db: Database, clock: FixedClock
) -> None:
    seen: dict[int, list[str]] = {}
    running = 0
    most = 0

    async def process(update: Update) -> None:
        nonlocal running, most
        assert update.effective_chat is not None
        assert update.effective_message is not None
        running += 1
        most = max(most, running)
        if running == 4:
            four.set()
        # The first lanes hold until four run at once (or half a second passed), so the
        # bound is reached however slowly a loaded machine starts the others.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(four.wait(), 0.5)
        await asyncio.sleep(0.01)
        seen.setdefault(update.effective_chat.id, []).append(str(update.effective_message.text))
        running -= 1

    four = asyncio.Event()
    inbox = Inbox(db, clock, Bot("1:x"), process, concurrency=4)
    payloads = [_message(n * 10 + chat, chat, f"{n}") for n in range(5) for chat in range(1, 9)]
    await inbox.accept(payloads)
    await inbox.drained(timeout=10)
    assert seen == {chat: ["0", "1", "2", "3", "4"] for chat in range(1, 9)}
    assert most == 4  # eight chats, never more than four at once
    async with db.read() as conn:
        assert await rows.counts(conn) == {"done": 40, "waiting": 0}


async def test_done_with_the_first_write_and_undone_rows_first_after_restart(
    db: Database, clock: FixedClock
) -> None:
    # A crash left update 7 stored but not done; Telegram will not send it again.
    async with db.write() as conn:
        await rows.store(conn, [rows.Received(7, 5, _message(7, 5, "before"))], clock.now())
    order: list[str] = []

    async def process(update: Update) -> None:
        assert update.effective_message is not None
        text = str(update.effective_message.text)
        order.append(text)
        if text == "write":
            async with db.write() as conn:  # marks update 8 done in this same transaction
                assert not await rows.is_done(conn, 8)
                await outbox.enqueue(conn, dedup_key="w", chat_id=5, text="x", now=clock.now())
                assert await rows.is_done(conn, 8)

    inbox = Inbox(db, clock, Bot("1:x"), process)
    assert await inbox.recover() == 1
    await inbox.accept([_message(8, 5, "write"), _message(7, 5, "redelivered?")])
    await inbox.drained(timeout=10)
    assert order == ["before", "write"]  # 7 once (from storage), then 8
    async with db.read() as conn:
        assert await rows.is_done(conn, 7)
        assert await rows.is_done(conn, 8)
        assert await rows.last_update_id(conn) == 8
