"""The durable inbox and our own long polling: nothing Telegram considers delivered is lost.

python-telegram-bot's ``Updater`` asks for the next ``getUpdates`` offset (which tells
Telegram the batch arrived, and Telegram forgets it) as soon as the batch is queued in
memory, before any handler ran: a crash in between lost those updates. Here:

1. :class:`Poller` fetches a batch and hands it to :meth:`Inbox.accept`, which stores every
   update as a row (``storage/inbox.py``) and returns only once the rows are committed; only
   then does the poller ask for the next offset. A webhook (``bot/webhook.py``) calls
   :meth:`Inbox.deliver`, which stores the same way and returns only once the update's
   handling committed: the webhook answers 200 only then.
2. The inbox hands each stored update to ``Application.process_update``. The first write of
   the handling marks the row done in the same transaction (``storage.db.handling``); an
   update whose handlers wrote nothing is marked done after them.
3. On start, rows not done are handled first (:meth:`Inbox.recover`).

Order and concurrency: updates of one chat (one person) run strictly one after another, in
update id order; different chats run concurrently, at most :data:`CONCURRENCY` at once, so
one slow person does not hold everybody's button presses past Telegram's 15 s.

Storing a batch, handling an update and marking updates done run their SQLite statements
on the event loop's thread (``storage.db.on_loop``): each is a few statements on one
person's rows, cheaper run than handed to aiosqlite's thread (use cases that touch many
rows step off the loop again: ``bot/flows/bulk.py``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.clock import Clock
from bot.flows import identity
from bot.json_request import JsonRequest
from storage import identity as accounts
from storage import inbox as rows
from storage.db import Database, handling, on_loop
from storage.inbox import Received

log = logging.getLogger(__name__)

# Updates of different people handled at once. Most of a handler's time is spent waiting for
# Telegram (the 30 messages/s limiter), not for storage: with 32, 300 presses at once were
# answered at the pace of the limiter (the last after ~12 s); with 256, within ~8 s.
CONCURRENCY = 256
BACKLOG = 2_000  # stored but not yet handled: above this the poller waits before fetching more
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)  # after a failed fetch or store, longer each time

ProcessUpdate = Callable[[Update], Awaitable[None]]


def chat_of(update: Update) -> int | None:
    """The chat whose order an update keeps: its chat, else its sender (inline buttons)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def as_read(payload: dict[str, Any]) -> dict[str, Any]:
    """An update's JSON as python-telegram-bot is given it: a button press's message
    without its keyboard (the update stored is the whole JSON, as Telegram sent it).

    The pressed message is one the bot sent, and its keyboard (a reflection summary: seven
    buttons) was about 40 % of the CPU python-telegram-bot spent reading a press
    (``Update.de_json``: ~155 us with it, ~100 us without, against ~85 us for a text).
    The handlers read the pressed message's chat, id, business connection and text (with
    its entities), never its buttons: the press's own data says which was pressed.
    """
    query = payload.get("callback_query")
    if not isinstance(query, dict):
        return payload
    message = query.get("message")
    if not isinstance(message, dict) or "reply_markup" not in message:
        return payload
    message = {key: value for key, value in message.items() if key != "reply_markup"}
    return {**payload, "callback_query": {**query, "message": message}}


class Inbox:
    """Stores updates before they are confirmed, then handles them per chat, in order."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        bot: Bot,
        process: ProcessUpdate,
        *,
        concurrency: int = CONCURRENCY,
        backlog: int = BACKLOG,
    ) -> None:
        self._db = db
        self._clock = clock
        self._bot = bot
        self._process = process
        self._slots = asyncio.Semaphore(concurrency)
        self._lanes: dict[int | None, deque[tuple[Received, Update | None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting = 0
        self._drained = asyncio.Event()
        self._drained.set()
        self._backlog = backlog
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._stopping = False
        # update id -> resolved when its lane is past it (handled, or given up at stop)
        self._finished: dict[int, asyncio.Future[None]] = {}
        self._done = DoneMarks(db, clock)

    @property
    def waiting(self) -> int:
        """Updates stored and scheduled but not handled yet (in this process)."""
        return self._waiting

    async def accept(
        self, payloads: Sequence[dict[str, Any]], updates: Sequence[Update] | None = None
    ) -> None:
        """Store these updates, then schedule the new ones. Once this returns, and not
        before, Telegram may be told they arrived (the next offset, or a webhook's 200).
        ``updates`` are the same already read by python-telegram-bot (polling), so they
        are not read from JSON a second time."""
        received: list[tuple[Received, Update | None]]
        if updates is not None and len(updates) == len(payloads):
            received = [
                (Received(u.update_id, chat_of(u), p), u)
                for p, u in zip(payloads, updates, strict=True)
            ]
        else:
            received = [self._received(payload) for payload in payloads]
        with on_loop():
            async with self._db.write() as conn:
                new = await rows.store(conn, [r for r, _ in received], self._clock.now())
        for row, update in received:
            if row.update_id in new:
                self._schedule(row, update)

    async def deliver(self, payload: dict[str, Any]) -> bool:
        """One update from a webhook: stored as :meth:`accept` stores it, then handled; True
        once its handling committed (now or before), False when it could not be (stopping).

        The webhook answers Telegram's request with this, so Telegram forgets an update only
        after its change is committed, and redelivers one a crash interrupted. A redelivered
        update already done is not handled again; one stored but not done (its process died
        before the handling committed) is handled here.
        """
        update_id = int(payload["update_id"])
        await self.accept([payload])
        finished = self._finished.get(update_id)  # new, recovered at start, or in hand
        if finished is None:
            if await self._is_done(update_id):
                return True
            self._schedule(*self._received(payload))
            finished = self._finished.get(update_id)
            if finished is None:
                return False  # stopping: stored, handled after the restart or redelivery
        await asyncio.shield(finished)
        return await self._is_done(update_id)

    async def _is_done(self, update_id: int) -> bool:
        async with self._db.read() as conn:
            return await rows.is_done(conn, update_id)

    def _received(self, payload: dict[str, Any]) -> tuple[Received, Update | None]:
        """The row for one update; one python-telegram-bot cannot read is stored all the
        same (and marked done unhandled), so it can never block the updates after it."""
        try:
            update = Update.de_json(as_read(payload), self._bot)
        except Exception:
            log.exception("update cannot be read: %r", payload)
            return Received(int(payload["update_id"]), None, payload), None
        return Received(update.update_id, chat_of(update), payload), update

    async def recover(self) -> int:
        """Schedule the updates stored before a restart but never done, before anything new."""
        async with self._db.read() as conn:
            undone = await rows.undone(conn)
        for row in undone:
            self._schedule(row, None)
        if undone:
            log.info("handling %d updates stored before the restart", len(undone))
        return len(undone)

    async def last_stored(self) -> int | None:
        async with self._db.read() as conn:
            return await rows.last_update_id(conn)

    async def room(self) -> None:
        """Wait while too many updates wait in memory (they are stored; this bounds memory)."""
        await self._has_room.wait()

    async def drained(self, timeout: float | None = None) -> None:
        """Wait until every scheduled update has been handled."""
        await asyncio.wait_for(self._drained.wait(), timeout)

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the updates being handled (up to ``timeout``); the rest wait in storage."""
        self._stopping = True
        self._has_room.set()
        tasks = list(self._tasks)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    # ------------------------------------------------------------------ lanes

    def _schedule(self, row: Received, update: Update | None) -> None:
        if self._stopping:
            return  # stored: handled after the restart
        self._waiting += 1
        self._finished.setdefault(row.update_id, asyncio.get_running_loop().create_future())
        self._drained.clear()
        if self._waiting > self._backlog:
            self._has_room.clear()
        lane = self._lanes.get(row.chat_id)
        if lane is not None:
            lane.append((row, update))
            return
        lane = self._lanes[row.chat_id] = deque([(row, update)])
        task = asyncio.create_task(self._run_lane(row.chat_id, lane), name=f"inbox:{row.chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_lane(
        self, chat_id: int | None, lane: deque[tuple[Received, Update | None]]
    ) -> None:
        """One chat's updates, one after another; the lane ends when it is empty."""
        try:
            while lane and not self._stopping:
                row, update = lane[0]
                async with self._slots:
                    await self._handle(row, update)
                lane.popleft()
                self._finish(row.update_id)
                self._left(1)
        finally:
            # No await between the last check of ``lane`` and this: a row scheduled for this
            # chat meanwhile was appended to the lane and handled above.
            del self._lanes[chat_id]
            for row, _ in lane:
                self._finish(row.update_id)
            self._left(len(lane))

    def _finish(self, update_id: int) -> None:
        finished = self._finished.pop(update_id, None)
        if finished is not None and not finished.done():
            finished.set_result(None)

    def _left(self, count: int) -> None:
        self._waiting -= count
        if self._waiting <= self._backlog:
            self._has_room.set()
        if self._waiting == 0:
            self._drained.set()

    async def _handle(self, row: Received, update: Update | None) -> None:
        """Run the handlers; the row is done with their first write, or right after them."""
        if update is None:
            update = self._received(row.payload)[1]
        person = row.chat_id
        if person is None:
            await self._handle_locked(row, update)
            return
        # One person's updates never run at once, in this process (the lane) or in another
        # sharing the database (the person lock): see ``Database.person_lock``.
        try:
            async with self._db.person_lock(person):
                await self._handle_locked(row, update)
        except Exception:  # the database is unreachable: the row waits for the next start
            log.exception("update %s not handled: its person lock failed", row.update_id)

    async def _handle_locked(self, row: Received, update: Update | None) -> None:
        # The handling's statements run on the loop (a context variable: this task's only).
        with on_loop(), handling(row.update_id, self._clock.now()) as mark:
            if not self._db.is_sqlite and await self._done_elsewhere(row):
                return  # another process handled it while this one waited for the person
            if update is not None:
                try:
                    await self._process(update)
                except Exception:  # handler errors go to the error handler; this is a net
                    log.exception("update %s failed", row.update_id)
            if mark.recorded:
                return
        try:
            await self._done.mark(row.update_id)
        except Exception:
            log.exception("update %s handled but not marked done", row.update_id)

    async def _done_elsewhere(self, row: Received) -> bool:
        """Whether another process marked the update done (several processes share a
        PostgreSQL database; on SQLite only this lane marks it). For a private chat the
        same statement reads the sender's account for the handlers (``identity.account``).
        One statement, after the person lock was taken: no transaction around it
        (``Database.read_alone``); it sees everything committed before it."""
        async with self._db.read_alone() as conn:
            if row.chat_id is None or row.chat_id <= 0:  # not a private chat: no person
                return await rows.is_done(conn, row.update_id)
            found = await accounts.account_unless_done(conn, row.chat_id, row.update_id)
        if found is None:
            return True
        identity.remember(found)
        return False


class DoneMarks:
    """Marks updates whose handlers wrote nothing done, several in one write transaction.

    Such an update's row is marked after its handlers finished, in a transaction of its
    own; lanes finishing at about the same time share that transaction (a group commit):
    one waits while a batch is being written, and the next batch takes every update that
    finished meanwhile. Each lane goes on only once its own mark is committed, so the
    order and the crash guarantee are those of a transaction per update: an update is
    done only after its handling, and one whose mark was not committed is handled again
    after a restart.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._writing: asyncio.Task[None] | None = None

    async def mark(self, update_id: int) -> None:
        """Return once ``update_id`` is marked done (committed)."""
        loop = asyncio.get_running_loop()
        done = self._waiting.setdefault(update_id, loop.create_future())
        if self._writing is None:
            # A context of its own: the batch is no update's first write (storage.db).
            self._writing = loop.create_task(self._write(), context=contextvars.Context())
        await asyncio.shield(done)

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                try:
                    # One UPDATE, whole on its own: no transaction around it; on the loop.
                    with on_loop():
                        async with self._db.write_alone() as conn:
                            await rows.mark_all_done(conn, list(batch), self._clock.now())
                except Exception as exc:
                    for waiting in batch.values():
                        waiting.set_exception(exc)
                else:
                    for waiting in batch.values():
                        waiting.set_result(None)
        finally:
            self._writing = None


class UpdatesRequest(JsonRequest):
    """The HTTP client of ``getUpdates`` alone, keeping the JSON of the last batch.

    The inbox stores each update's JSON; python-telegram-bot hands back only the parsed
    objects, and turning each back into JSON (``to_dict``) cost more than storing it.
    The JSON kept here is the batch exactly as Telegram sent it, as a webhook stores it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_batch: list[dict[str, Any]] | None = None

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """The answer as received; python-telegram-bot reads each update :func:`as_read`."""
        data: dict[str, Any] = super().parse_json_payload(payload)
        result = data.get("result")
        if not isinstance(result, list):
            self.last_batch = None
            return data
        self.last_batch = result
        read = [as_read(update) if isinstance(update, dict) else update for update in result]
        return {**data, "result": read}

    def take_batch(self, updates: Sequence[Update]) -> list[dict[str, Any]] | None:
        """The JSON of ``updates`` if it is the batch last received (same ids, in order)."""
        batch, self.last_batch = self.last_batch, None
        if batch is None or len(batch) != len(updates):
            return None
        for payload, update in zip(batch, updates, strict=True):
            if not isinstance(payload, dict) or payload.get("update_id") != update.update_id:
                return None
        return batch


class Poller:
    """Long polling that confirms an offset only after its batch is stored."""

    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        *,
        timeout: int = 10,
        allowed_updates: Sequence[str] | None = None,
        request: UpdatesRequest | None = None,
    ) -> None:
        self._bot = bot
        self._inbox = inbox
        self._request = request
        self._timeout = timeout
        self._allowed = list(allowed_updates) if allowed_updates is not None else None
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Resume after the newest stored update; updates before it are ours already."""
        last = await self._inbox.last_stored()
        self._offset = None if last is None else last + 1
        try:
            await self._bot.delete_webhook(drop_pending_updates=False)
        except TelegramError as exc:  # polling fails loudly below if a webhook is still set
            log.warning("could not remove a webhook before polling: %s", exc)
        self._task = asyncio.create_task(self._loop(), name="inbox:poller")

    async def stop(self) -> None:
        """Stop fetching. A fetch cut short confirms nothing: its updates come back next time."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        failures = 0
        while True:
            await self._inbox.room()
            try:
                await self._poll_once()
                failures = 0
            except InvalidToken:
                log.critical("Telegram refused the bot token; polling stopped")
                return
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except Exception as exc:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                if isinstance(exc, Conflict | TelegramError):
                    log.warning("polling failed (%s); again in %.0f s", exc, delay)
                else:
                    log.exception("polling failed; again in %.0f s", delay)
                await asyncio.sleep(delay)

    async def _poll_once(self) -> None:
        updates = await self._bot.get_updates(
            offset=self._offset, timeout=self._timeout, allowed_updates=self._allowed
        )
        if not updates:
            return
        batch = self._request.take_batch(updates) if self._request is not None else None
        if batch is None:
            batch = [update.to_dict() for update in updates]
        await self._inbox.accept(batch, updates)
        # Only now: the next getUpdates with this offset tells Telegram the batch arrived.
        self._offset = updates[-1].update_id + 1


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
