"""What every flow needs, passed in explicitly: the database, the clock and a few settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta

from bot.clock import Clock
from bot.flows.planning import PLANNED_RATE
from storage.db import Database


def _nothing() -> None:
    return None


@dataclass(slots=True)
class Services:
    """The flows' view of the running program (no Telegram objects in here)."""

    db: Database
    clock: Clock
    admin_ids: frozenset[int] = frozenset()
    default_timezone: str = "Asia/Jakarta"
    default_language: str = "id"
    invite_ttl: timedelta = timedelta(days=30)
    bot_username: str = ""
    digest_weekday: int = 0  # Monday
    digest_time: time = time(7, 30)  # in each recipient's own zone
    # How late a missed run (the bot was down) may still be caught up, once.
    nudge_grace: timedelta = timedelta(hours=24)
    digest_grace: timedelta = timedelta(days=3)
    # Nudges planned a second (bot/flows/planning.py: 80 % of Telegram's ceiling).
    nudge_rate: float = PLANNED_RATE
    # The largest file the bot may send (Telegram's 50 MB for bots); a bigger export is
    # refused with a hint to ask for less rather than failing at upload.
    max_upload_bytes: int = 50 * 1024 * 1024
    # Seconds between two edits of an export's progress message (Telegram limits edits).
    progress_every: float = 2.0
    # The outbox's first wait after a failed send (5xx, network); doubled each attempt.
    retry_base: timedelta = timedelta(seconds=5)
    # Seconds between two outbox messages to one person once a small burst is spent
    # (Telegram allows about one a second; a test may scale it with its double's limit).
    chat_interval: float = 1.0
    # Called after a flow queued outbox messages, so the sender wakes at once.
    outbox_wake: Callable[[], None] = field(default=_nothing)
