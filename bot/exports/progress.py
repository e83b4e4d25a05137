"""How far a file is built, told by a writer working in another thread.

A writer (``bot.exports.*``) runs in ``asyncio.to_thread`` and calls a :data:`RowsDone`
callback now and then with (rows written, rows in all); whoever waits for it (the chat's
export runner, ``bot/handlers/export_job.py``) reads :attr:`Progress.percent` on the
event loop when it likes. Nothing here knows Telegram, and a writer called without a
callback (the command line, tests) works the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

RowsDone = Callable[[int, int], None]  # (rows written so far, rows this file will have)
EVERY = 2000  # rows between two reports: often enough for a smooth figure, cheap enough


def nothing(done: int, total: int) -> None:
    """The callback of a writer nobody watches."""


class Stopped(Exception):
    """The build was given up (the bot is stopping)."""


class Progress:
    """Several files built one after another, as one figure (each file an equal share).

    Writes happen in the worker thread and reads on the event loop; each is a single
    attribute assignment or read of an int, so no lock is needed and a read is at worst
    one report old.
    """

    def __init__(self, parts: int = 1) -> None:
        self._share = [0.0] * max(1, parts)
        self.stopped = False

    def stop(self) -> None:
        """Ask the writer to give up at its next report (a thread cannot be cancelled)."""
        self.stopped = True

    def part(self, index: int) -> RowsDone:
        """The callback for the ``index``-th file; it raises :class:`Stopped` once
        :meth:`stop` was called, which ends the writer's thread early."""

        def report(done: int, total: int) -> None:
            if self.stopped:
                raise Stopped
            self._share[index] = 1.0 if total <= 0 else min(1.0, done / total)

        return report

    @property
    def percent(self) -> int:
        """Whole percent done, never 100 before every file has said it is complete."""
        return int(100 * sum(self._share) / len(self._share))


@dataclass(frozen=True, slots=True)
class Document:
    """One built file, ready to be sent (``caption`` is already worded, HTML)."""

    filename: str
    data: bytes
    caption: str | None = None
