"""Telegram's sending limits as token buckets, answering with a ``retry_after`` when exceeded."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Per bot: ~30 messages/s overall, 1/s per private chat, 20/min per group.

    ``per_chat_burst`` is how many messages a private chat may receive at once before the
    1/s rate applies. Telegram tolerates a bot answering a person who is talking to it, so
    each message the user sends gives their chat ``reply_credit`` tokens back: a bot that
    answers every input never sees a 429, a bot that floods a chat does. A benchmark sets
    ``per_chat_burst=1, reply_credit=0`` to hold the bot to the letter.
    """

    enabled: bool = True
    global_per_second: float = 30.0
    global_burst: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 5.0
    per_group_per_minute: float = 20.0
    reply_credit: float = 4.0
    # Strict: at most ``global_per_second`` messages in *any* one-second window (a sliding
    # log), instead of a bucket that refills; a cold start gets no extra burst.
    sliding_window: bool = False


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float = field(default_factory=time.monotonic)

    def _refill(self, now: float) -> None:
        """Time refills up to capacity; credit above it (see ``Limiter.credit``) is kept."""
        refilled = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.tokens = max(self.tokens, refilled)
        self.stamp = now

    def wait_needed(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class Limiter:
    """Decides whether a message to ``chat_id`` may go now; else how long to wait."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global = _Bucket(limits.global_per_second, limits.global_burst, limits.global_burst)
        self._chats: dict[int, _Bucket] = {}
        self._window: deque[float] = deque()  # send times in the last second (sliding mode)
        self.most_in_a_second = 0

    def _chat_bucket(self, chat_id: int) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:
                rate, burst = (
                    self.limits.per_group_per_minute / 60,
                    self.limits.per_group_per_minute,
                )
            else:
                rate, burst = self.limits.per_chat_per_second, self.limits.per_chat_burst
            bucket = self._chats[chat_id] = _Bucket(rate, burst, burst)
        return bucket

    def credit(self, chat_id: int) -> None:
        """The user wrote to the bot: their chat may receive a few answers at once."""
        bucket = self._chat_bucket(chat_id)
        ceiling = bucket.capacity + 5 * self.limits.reply_credit
        bucket.tokens = min(ceiling, bucket.tokens + self.limits.reply_credit)

    def check(self, chat_id: int) -> int | None:
        """None if the message may be sent (and count it), else ``retry_after`` seconds."""
        if not self.limits.enabled:
            return None
        now = time.monotonic()
        chat = self._chat_bucket(chat_id)
        if self.limits.sliding_window:
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            full = len(self._window) >= self.limits.global_per_second
            overall = self._window[0] + 1.0 - now if full else 0.0
        else:
            overall = self._global.wait_needed(now)
        wait = max(overall, chat.wait_needed(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.take()
        self._window.append(now)
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        self.most_in_a_second = max(self.most_in_a_second, len(self._window))
        chat.take()
        return None
