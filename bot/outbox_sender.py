"""Drains the outbox to Telegram, within its limits, without losing or repeating messages.

Rules (see ``storage.outbox``): a row is claimed (attempt counted) before the call; a 429
pauses the whole sender for ``retry_after`` and gives the attempt back; network errors and
5xx are retried with capped exponential backoff up to ``MAX_ATTEMPTS``; a 403 or "chat not
found" marks the person unreachable and stops everything queued for that chat; any other
400 is a bug in the message and fails the row with its reason. Nothing is retried forever
and nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot import presenter
from bot.clock import Clock, SystemClock
from bot.flows import nudges, reachability, recipients
from bot.flows.buttons import from_json
from bot.flows.services import Services
from bot.handlers.common import call, markup, text_message
from bot.presenter import Part
from bot.send_limits import UNPROMPTED
from storage import liveness, outbox
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=10)
IN_FLIGHT = 32  # chats sent to at once
STOP_GRACE_SECONDS = 5.0
PRIVATE_INTERVAL = 1.0  # seconds per message to one private chat, after a small burst
GROUP_INTERVAL = 3.0  # 20 a minute to one group
CHAT_BURST = 5.0  # a reflection with evidence is a few messages at once
IDLE_POLL_SECONDS = 1.0
DEAD_CHECK_SECONDS = 10.0  # how often a sender looks for rows a dead process left claimed
_UNREACHABLE_400 = ("chat not found", "user not found", "chat_id is empty", "peer_id_invalid")


def _by_chat(messages: list[OutboxMessage]) -> dict[int, list[OutboxMessage]]:
    grouped: dict[int, list[OutboxMessage]] = {}
    for message in messages:
        grouped.setdefault(message.chat_id, []).append(message)
    return grouped


def backoff(attempts: int, base: timedelta = BACKOFF_BASE) -> timedelta:
    return min(base * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


class OutboxSender:
    """One sender per bot process; :meth:`drain` is also called directly by tests and CLI.

    Several processes may each run one on a shared PostgreSQL database: each claims rows
    under its own id (``storage.liveness``), and rows are released early only when their
    owner is dead; a live owner's rows are left to it (or to their lease's expiry).
    """

    def __init__(self, svc: Services, bot: Bot) -> None:
        self.svc = svc
        self.db = svc.db
        self.clock = svc.clock  # when messages are due (simulated in the playground)
        self.wall: Clock = SystemClock()  # leases: real time, whatever the bot's clock says
        self.bot = bot
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._chat_tokens: dict[int, tuple[float, float]] = {}  # chat -> (tokens, monotonic)
        self._cooling: dict[int, float] = {}  # chat -> monotonic time it may receive again
        self._stopping = False
        self._draining = False
        self.life = liveness.ProcessLife(self.db)
        self._dead_checked = 0.0  # monotonic time of the last look for dead senders' rows

    @property
    def owner(self) -> str:
        """The id this sender's leases carry (this process's, see ``storage.liveness``)."""
        return self.life.id

    def wake(self) -> None:
        self._wake.set()

    @property
    def busy(self) -> bool:
        """Whether this sender is at work now or woken to look: a drain running (claiming,
        sends in flight, a 429 pause) or a wake not yet taken. Idle, it has sent everything
        it can claim now except rows of chats still cooling down (see :attr:`cooling`)."""
        running = self._task is not None and not self._task.done()
        return running and (self._draining or self._wake.is_set())

    @property
    def cooling(self) -> frozenset[int]:
        """Chats left out of claims until their pace allows; the sender looks again when
        the first is ready, unwoken."""
        now = time.monotonic()
        return frozenset(chat for chat, ready in self._cooling.items() if ready > now)

    def start(self) -> None:
        """Start sending (again, after :meth:`stop`: a process that leads a second time)."""
        self._stopping = False
        self._draining = True  # its first drain is on the way (busy from now, not from then)
        self._task = asyncio.create_task(self._run(), name="pembina-outbox")

    async def recover(self) -> int:
        """Say this process is alive, then send again now the rows claimed by senders that
        are gone (a crash, or a process killed); rows of live senders are left alone."""
        await self.life.hold()
        async with self.db.write() as conn:
            gone = await liveness.dead(conn, await outbox.lease_owners(conn), self.owner)
            released = await outbox.release_leases(conn, gone, self.clock.now()) if gone else 0
        self._dead_checked = time.monotonic()
        if released:
            log.warning("outbox: %d message(s) claimed by a dead sender are due again", released)
        return released

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Claim nothing more and let the sends in flight finish (up to ``grace`` s): a send
        cut short may have reached Telegram unrecorded and go out again after the restart."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.life.release()

    def _time_to_look_for_the_dead(self) -> bool:
        """On PostgreSQL, every :data:`DEAD_CHECK_SECONDS` (other processes may die while this
        one runs); never on SQLite, where this is the only sender and a CLI run beside it
        must keep what it claimed."""
        due = time.monotonic() - self._dead_checked >= DEAD_CHECK_SECONDS
        return due and not self.db.is_sqlite

    async def _run(self) -> None:
        while not self._stopping:
            self._draining = True
            try:
                if self._time_to_look_for_the_dead():
                    await self.recover()  # another process may have died meanwhile
                await self.drain()
            except Exception:  # keep the sender alive; the row stays leased and returns
                log.exception("outbox drain failed")
            finally:
                self._draining = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_seconds())
            self._wake.clear()

    def _idle_seconds(self) -> float:
        """How long to wait for a wake: until the first cooling chat may receive again (its
        next row goes then, not up to a whole idle poll later), at most an idle poll (rows
        queued by another process wake nobody here)."""
        now = time.monotonic()
        return max(0.0, min([IDLE_POLL_SECONDS, *(r - now for r in self._cooling.values())]))

    async def drain(self) -> int:
        """Send every message that is due now; returns how many were sent.

        Up to :data:`IN_FLIGHT` chats are sent to at once, each chat's messages in order,
        so one chat whose send stalls holds only its own slot. Telegram allows about one
        message a second per private chat (20 a minute per group), with short bursts: a
        chat still cooling down is left out of the claim and taken when it is ready. The
        overall 30/s limit is kept by the bot's limiter (``bot/send_limits.py``).
        """
        sent = 0
        running: dict[int, asyncio.Task[int]] = {}
        try:
            while True:
                room = 0 if self._stopping else IN_FLIGHT - len(running)
                claimed = await self._claim(room, set(running))
                for chat_id, messages in _by_chat(claimed).items():
                    running[chat_id] = asyncio.create_task(self._send_chat(messages))
                if claimed:
                    continue
                if not running:
                    return sent
                done, _ = await asyncio.wait(running.values(), return_when=asyncio.FIRST_COMPLETED)
                for chat_id in [c for c, task in running.items() if task in done]:
                    task = running.pop(chat_id)
                    if task.exception() is not None:  # rows stay leased and come back
                        log.error("outbox chat %s failed", chat_id, exc_info=task.exception())
                    else:
                        sent += task.result()
        finally:
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)

    async def _claim(self, room: int, busy: set[int]) -> list[OutboxMessage]:
        if room <= 0:
            return []
        now = time.monotonic()
        for chat_id in [c for c, ready in self._cooling.items() if ready <= now]:
            del self._cooling[chat_id]
        skip = busy | set(self._cooling)
        async with self.db.read_alone() as conn:  # most looks find nothing: no write lock
            if not await outbox.any_claimable(conn, self.clock.now(), skip, wall=self.wall.now()):
                return []
        await self.life.hold()  # leases carry a live owner's id
        async with self.db.write() as conn:
            batch = await outbox.claim_due(
                conn,
                self.clock.now(),
                room,
                skip_chats=skip,
                wall=self.wall.now(),
                owner=self.owner,
            )
            return await outbox.fail_unreachable(conn, batch)

    async def _send_chat(self, messages: list[OutboxMessage]) -> int:
        """One chat's claimed messages, in order, paced for that chat."""
        sent = 0
        for index, message in enumerate(messages):
            wait = self._ready_in(message.chat_id)
            if wait > 0:
                await asyncio.sleep(wait)
            self._take(message.chat_id)
            result = await self._send_one(message)
            if result == "paused":
                await self._release(messages[index + 1 :])
                return sent
            sent += result == "sent"
        return sent

    def _interval(self, chat_id: int) -> float:
        """Seconds per message to this chat once its burst is spent."""
        return GROUP_INTERVAL if chat_id < 0 else self.svc.chat_interval

    def _tokens(self, chat_id: int) -> float:
        """This chat's allowance now: a small burst, refilled at the chat's rate."""
        tokens, stamp = self._chat_tokens.get(chat_id, (CHAT_BURST, time.monotonic()))
        now = time.monotonic()
        tokens = min(CHAT_BURST, tokens + (now - stamp) / self._interval(chat_id))
        self._chat_tokens[chat_id] = (tokens, now)
        return tokens

    def _ready_in(self, chat_id: int) -> float:
        """Seconds until this chat may receive the next message."""
        return max(0.0, (1 - self._tokens(chat_id)) * self._interval(chat_id))

    def _take(self, chat_id: int) -> None:
        tokens = self._tokens(chat_id)
        self._chat_tokens[chat_id] = (tokens - 1, time.monotonic())
        if tokens - 1 < 1:  # cooling down: not claimed again until ready
            self._cooling[chat_id] = time.monotonic() + self._ready_in(chat_id)

    async def _release(self, messages: list[OutboxMessage]) -> None:
        """Give claimed rows back untouched after a pause (their attempt is refunded)."""
        async with self.db.write() as conn:
            for message in messages:
                await outbox.reschedule(
                    conn, message.id, self.clock.now(), "released", refund_attempt=True
                )

    async def _send_one(self, message: OutboxMessage) -> str:
        try:
            sent = await self._deliver(message)
        except RetryAfter as exc:
            wait = (
                exc.retry_after
                if isinstance(exc.retry_after, timedelta)
                else timedelta(seconds=float(exc.retry_after))
            )
            async with self.db.write() as conn:
                await outbox.reschedule(
                    conn, message.id, self.clock.now() + wait, str(exc), refund_attempt=True
                )
            log.warning("Telegram asked to wait %s; the outbox pauses", wait)
            await asyncio.sleep(wait.total_seconds())
            return "paused"
        except Forbidden as exc:
            await self._unreachable(message, str(exc))
            return "failed"
        except BadRequest as exc:
            if any(marker in str(exc).lower() for marker in _UNREACHABLE_400):
                await self._unreachable(message, str(exc))
            else:
                async with self.db.write() as conn:
                    await outbox.mark_failed(conn, message.id, str(exc))
                log.error("outbox message %s refused by Telegram: %s", message.id, exc)
            return "failed"
        except (NetworkError, TelegramError) as exc:
            await self._retry_later(message, str(exc))
            return "retry"
        except Exception as exc:  # a bug in building this message: fail it, keep the rest going
            log.exception("outbox message %s could not be built", message.id)
            async with self.db.write() as conn:
                await outbox.mark_failed(conn, message.id, f"could not be built: {exc!r}")
            return "failed"
        async with self.db.write() as conn:
            await outbox.mark_sent(conn, message.id, sent, self.clock.now())
        return "sent"

    async def _parts(self, message: OutboxMessage) -> list[Part]:
        """What to send for this row: a notice rendered now, in the recipient's language as
        it is now (``bot.presenter``), or the finished text of a row queued without a kind
        (rows queued before notices existed, and those flows still word themselves)."""
        if message.kind is None:
            return [Part(message.text, from_json(message.reply_markup))]
        async with self.db.read() as conn:
            params = message.params or {}
            if not await nudges.still_wanted(
                self.svc, conn, message.kind, params, message.person_id
            ):
                log.info(
                    "outbox message %s no longer wanted (%s): not sent", message.id, message.kind
                )
                return []  # a nudge planned for later, overtaken (reflected, paused): none
            language = (await recipients.language_of(self.svc, conn, message.chat_id)).language
        return presenter.render(message.kind, message.params or {}, language)

    async def _deliver(self, message: OutboxMessage) -> int | None:
        """The row's Bot API calls: text messages, or a photo / document / chart with the
        first part as caption (any further parts follow as text); the id of the last message
        sent.

        A notice of several parts records each part once Telegram has it, so a retry or a
        crash resumes after it: at most the part in flight is sent twice, as for any row.
        (None: every part had gone out before a crash, or a planned nudge is no longer
        wanted: nothing was left to send.)
        """
        parts = await self._parts(message)
        sent: int | None = None
        for number in range(message.parts_sent, len(parts)):
            if sent is not None:  # the part before went out in this call: record it
                async with self.db.write() as conn:
                    await outbox.mark_parts_sent(conn, message.id, number)
                await asyncio.sleep(self._ready_in(message.chat_id))  # the chat's pace
                self._take(message.chat_id)
            sent = await self._deliver_part(message, parts[number], first=number == 0)
        return sent

    async def _deliver_part(self, message: OutboxMessage, part: Part, *, first: bool) -> int:
        """One Bot API call, its message's id; the row's media goes with its first part.
        Sent as unprompted (``UNPROMPTED``): replies to people who just wrote go first
        (bot/send_limits.py). A text goes as plain JSON (``bot.handlers.common.call``), as
        replies do."""
        media = await self._media(message, part) if first else None
        if media is None:
            params = text_message(message.chat_id, part.text, part.keyboard)
            sent = await call(self.bot, "sendMessage", params, rate_limit_args=UNPROMPTED)
            return int(sent["message_id"])
        later: dict[str, Any] = (
            {"rate_limit_args": UNPROMPTED} if isinstance(self.bot, ExtBot) else {}
        )
        send = self.bot.send_document if message.media_kind == "document" else self.bot.send_photo
        posted = await send(
            message.chat_id,
            media,
            caption=part.text or None,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(part.keyboard),
            **later,
        )
        return posted.message_id

    @staticmethod
    async def _media(message: OutboxMessage, part: Part) -> str | InputFile | None:
        """The file to send: a Telegram file id, or a chart drawn now (off the event loop;
        the outbox keeps its figures, not an image); None for a text message."""
        figures = part.chart or (message.media_data if message.media_kind == "chart" else None)
        if figures is not None:
            png = await asyncio.to_thread(presenter.chart_png, figures)
            return InputFile(png, filename="chart.png")
        if message.media_kind in ("photo", "document") and message.media_file_id:
            return message.media_file_id
        return None

    async def _retry_later(self, message: OutboxMessage, error: str) -> None:
        async with self.db.write() as conn:
            if message.attempts + 1 >= MAX_ATTEMPTS:
                await outbox.mark_failed(conn, message.id, f"gave up: {error}")
                log.error("outbox message %s failed %d times: %s", message.id, MAX_ATTEMPTS, error)
            else:
                later = self.clock.now() + backoff(message.attempts + 1, self.svc.retry_base)
                await outbox.reschedule(conn, message.id, later, error)

    async def _unreachable(self, message: OutboxMessage, error: str) -> None:
        """Blocked or gone: stop sending to this chat, flag the person, tell coordinators."""
        async with self.db.write() as conn:
            await outbox.mark_failed(conn, message.id, error)
        await reachability.unreachable(self.svc, message.chat_id, error)
        log.warning("chat %s is unreachable: %s", message.chat_id, error)
