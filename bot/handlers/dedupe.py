"""Skip updates handled before a crash, and record each update exactly once.

Telegram re-sends every update whose offset was not confirmed when the bot died. The first
handler (group -2) stops a known update at once and declares the update id, so the first
write transaction records it atomically with its change (see ``storage.db``). The last
(group 99) records updates whose handling wrote nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.context import Context
from storage import updates
from storage.db import handling_update, update_recorded

FIRST_GROUP = -2
LAST_GROUP = 99


async def skip_seen(update: Update, context: Context) -> None:
    svc = context.svc
    async with svc.db.read() as conn:
        if await updates.is_processed(conn, update.update_id):
            raise ApplicationHandlerStop
    handling_update(update.update_id, svc.clock.now())


async def record_seen(update: Update, context: Context) -> None:
    if update_recorded():
        return  # a handler's write recorded it already: no second lock and transaction
    async with context.svc.db.write():
        pass  # the write transaction records the update id
