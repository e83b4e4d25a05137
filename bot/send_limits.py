"""The one limiter every request to a chat goes through: a strict sliding window.

Telegram allows a bot about 30 messages in any second (20 a minute per group). PTB's
``AIORateLimiter`` is a leaky bucket: after an idle pause it lets a full burst through and
keeps dripping, so a strict 30-in-any-second window saw up to ~58 in the first second and
answered 429, which its own retries then hid. Here a request to a chat goes only when fewer
than :data:`PER_SECOND` requests went in the last second, evenly spaced (and fewer than
:data:`GROUP_PER_MINUTE` to that group in the last minute), from a cold start too; requests
are admitted first come, first served. A 429 pauses every send for ``retry_after``, then the
request is tried again (at most :data:`RETRIES` times). Replies to people who just wrote go
before unprompted messages (``rate_limit_args=UNPROMPTED``). Calls without a chat (answering a
button, polling, menus) are not counted, as Telegram does not count them.

On PostgreSQL several processes may send at once, and Telegram counts them together: each
message then also reserves a moment on the database's send clock (:class:`SharedBudget`,
``storage.send_clock``), moments :data:`PER_SECOND` a second apart for the bot as a whole,
and a 429 pauses every process. Replies keep their priority across processes: a process
reserves one moment at a time (under its turn, where its own replies already go first), so
the clock is booked at most a moment per process ahead, and an unprompted message reserves
only while the clock is at most :data:`OUTBOX_AHEAD` seconds ahead: when replies have booked
the coming moments the outbox waits for them (and lets its process's replies go meanwhile).
Windows per group stay per process. On SQLite (one process) the in-memory windows are the
whole budget.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from storage import send_clock
from storage.db import Database

log = logging.getLogger(__name__)

PER_SECOND = 29  # one under Telegram's 30: a request's trip to Telegram varies a little
# Across processes the booked moments are a little wider apart (29 a second becomes 28): a
# moment booked on the database's clock is kept by a process that may wake late (a busy
# machine) and then lands beside the next on-time one. At 29, thirty-one messages fell in
# one second with 34 ms of such lateness; at 28 it takes 71 ms (a strict double saw 30 in
# a second every run, and a 429 under load).
SHARED_SLACK = PER_SECOND / (PER_SECOND - 1)
GROUP_PER_MINUTE = 20
RETRIES = 2
UNPROMPTED_KEY = "unprompted"
UNPROMPTED: dict[str, Any] = {UNPROMPTED_KEY: True}
"""``rate_limit_args`` of a message nobody is waiting for (the outbox): replies go first."""
OUTBOX_AHEAD = 0.25  # seconds the shared clock may be booked ahead for the outbox to reserve
REFUSED_RETRY = 0.1  # seconds an unprompted message waits before asking the clock again

Result = bool | dict[str, Any] | list[dict[str, Any]]


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds, spaced at least ``period / limit``
    apart when ``paced``: a burst admitted at once reaches Telegram spread by the trip, and
    the next second's burst could then land in the same window there."""

    def __init__(self, limit: int, period: float, *, paced: bool = False) -> None:
        self.limit = limit
        self.period = period
        self.spacing = period / limit if paced else 0.0
        self._times: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self._times and self._times[0] <= now - self.period:
            self._times.popleft()
        spaced = self._times[-1] + self.spacing - now if self._times else 0.0
        if len(self._times) < self.limit:
            return max(0.0, spaced)
        return max(spaced, self._times[0] + self.period - now)

    def take(self, now: float) -> None:
        self._times.append(now)


class SharedBudget:
    """The send clock every process on one PostgreSQL database keeps to."""

    def __init__(self, db: Database, per_second: int = PER_SECOND) -> None:
        self.db = db
        self.spacing = SHARED_SLACK / per_second

    async def take(self, unprompted: bool) -> bool:
        """Reserve this message's moment and wait for it; False if an unprompted message was
        refused (replies booked the coming moments: ask again a little later). If the
        database cannot be reached the message goes on this process's own limit (a send is
        not lost to a hiccup)."""
        try:
            async with self.db.write_alone(locked=False) as conn:  # one UPDATE
                wait = await send_clock.reserve(
                    conn, self.spacing, ahead_at_most=OUTBOX_AHEAD if unprompted else None
                )
        except Exception:
            log.warning("send clock unreachable; this process keeps its own pace", exc_info=True)
            return True
        if wait is None:
            return not unprompted
        if wait > 0:
            await asyncio.sleep(wait)
        return True

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429: every process waits."""
        try:
            async with self.db.write_alone(locked=False) as conn:  # one UPDATE
                await send_clock.pause(conn, seconds)
        except Exception:
            log.warning("send clock unreachable; only this process pauses", exc_info=True)


class SendLimiter(BaseRateLimiter[dict[str, Any]]):
    """Strict windows for the whole bot and per group; a 429 pauses everything.

    ``shared``: the send clock of a PostgreSQL database, kept as well (several processes)."""

    def __init__(
        self,
        per_second: int = PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        retries: int = RETRIES,
        shared: SharedBudget | None = None,
    ) -> None:
        self._shared = shared
        self._overall = SlidingWindow(per_second, 1.0, paced=True)
        self._group_limit = group_per_minute
        self._groups: dict[int | str, SlidingWindow] = {}
        self._retries = retries
        self._paused_until = 0.0
        self._turn = asyncio.Lock()
        self._replies_waiting = 0
        self._no_replies = asyncio.Event()
        self._no_replies.set()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        unprompted = bool((rate_limit_args or {}).get(UNPROMPTED_KEY))
        for attempt in range(self._retries + 1):
            await self._admit(chat_id, unprompted)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                self._paused_until = max(self._paused_until, time.monotonic() + seconds)
                if self._shared is not None:
                    await self._shared.pause(seconds)
                if attempt == self._retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _admit(self, chat_id: Any, unprompted: bool) -> None:
        """Wait for this request's turn: one at a time, in arrival order, except that an
        unprompted message (the outbox) lets every waiting reply go first."""
        group = self._group(chat_id)
        if not unprompted:
            self._replies_waiting += 1
            self._no_replies.clear()
        try:
            while True:
                if unprompted and self._replies_waiting:
                    await self._no_replies.wait()
                    continue
                async with self._turn:
                    if unprompted and self._replies_waiting:
                        continue
                    while True:
                        now = time.monotonic()
                        wait = max(self._paused_until - now, self._overall.wait_needed(now))
                        if group is not None:
                            wait = max(wait, group.wait_needed(now))
                        if wait <= 0:
                            break
                        await asyncio.sleep(wait)
                    admitted = self._shared is None or await self._shared.take(unprompted)
                    if admitted:
                        now = time.monotonic()
                        self._overall.take(now)
                        if group is not None:
                            group.take(now)
                        return
                # Refused by the shared clock: this process's replies may go meanwhile.
                await asyncio.sleep(REFUSED_RETRY)
        finally:
            if not unprompted:
                self._replies_waiting -= 1
                if not self._replies_waiting:
                    self._no_replies.set()

    def _group(self, chat_id: Any) -> SlidingWindow | None:
        is_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        if not is_group:
            return None
        window = self._groups.get(chat_id)
        if window is None:
            window = self._groups[chat_id] = SlidingWindow(self._group_limit, 60.0)
        return window
