"""One leader among the bot processes: only it runs the scheduler and the outbox sender.

Every ``pembina run`` process handles updates; the minute scheduler and the outbox sender
run only in the one holding the leader lock (``storage/leader.py``), so N processes build a
digest once, not N times. The others try again every :data:`RETRY_SECONDS`; when the
leader dies its session ends, the lock is free and one of them takes over within seconds.

The leader steps down as soon as the driver reports its lock connection closed, and checks
the connection every :data:`CHECK_SECONDS` for what no close reports (a cut network). If it
closed, or the check fails or does not answer within :data:`CHECK_TIMEOUT`, the lock may
already be someone else's (the server ended the session): the leader steps down at once
(no new tick, no new claim; sends already in flight finish, each under its own lease) and
goes back to trying. Until a broken connection is noticed two processes may both believe
they lead: for moments when the server closed it, at most about ``CHECK_SECONDS +
CHECK_TIMEOUT`` when the network went silent. The scheduler's writes check again inside
their transactions and the sender claims rows, so that overlap repeats no message by
itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from storage.leader import LeaderLock

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
CHECK_SECONDS = 2.0
CHECK_TIMEOUT = 5.0

# What the operator is told, as catalogue keys (the command line words and prints them).
BECAME = "cli.leader_became"
STOPPED = "cli.leader_stopped"
WAITING = "cli.leader_waiting"

Announce = Callable[[str], None]


def _quiet(_key: str) -> None:
    """The default announcer: the log lines below already say it."""


class Leadership:
    """Runs ``lead`` when this process becomes the leader and ``step_down`` when it stops
    being one (lock lost, or the bot stopping)."""

    def __init__(
        self,
        lock: LeaderLock,
        lead: Callable[[], Awaitable[None]],
        step_down: Callable[[], Awaitable[None]],
        *,
        announce: Announce | None = None,
        retry: float = RETRY_SECONDS,
        check_every: float = CHECK_SECONDS,
    ) -> None:
        self.lock = lock
        self._lead, self._step_down = lead, step_down
        self._announce = announce or _quiet
        self.retry, self.check_every = retry, check_every
        self.leading = False
        self.terms = 0  # how many times this process became the leader
        self._told_waiting = False
        self._unreachable = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try once now, so a lone process (always on SQLite) leads before the bot's start
        returns, as it did before there was a lock; then keep trying in the background."""
        await self._turn()
        self._task = asyncio.create_task(self._run(), name="pembina-leadership")

    async def stop(self) -> None:
        """Stop trying; if leading, stop the leader's work and free the lock at once, so
        another process need not wait for this one to exit."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._resign()
        await self.lock.dispose()

    async def _run(self) -> None:
        while True:
            if not self.leading:
                await asyncio.sleep(self.retry)
            await self._turn()

    async def _turn(self) -> None:
        """The leader holds on until its lock connection fails and then steps down; any
        other process tries to take the lock once."""
        if self.leading:
            await self._hold()
            await self._resign()
            await self.lock.let_go()
        elif await self._try():
            await self._begin()
        elif not (self._told_waiting or self._unreachable):
            log.info("another process is the leader; trying every %.0f s", self.retry)
            self._announce(WAITING)
            self._told_waiting = True

    async def _begin(self) -> None:
        self._told_waiting = False
        self.leading = True
        self.terms += 1
        log.info("this process is now the leader: it runs the scheduler and the sender")
        self._announce(BECAME)
        try:
            await self._lead()
        except Exception:  # e.g. the database failed meanwhile: give the lock back
            log.exception("the leader's work did not start")
            await self._resign()
            await self.lock.let_go()

    async def _try(self) -> bool:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                taken = await self.lock.try_take()
        except Exception as exc:  # unreachable server: not the leader, try again later
            if not self._unreachable:  # once per outage, not every few seconds
                log.warning("leader lock: cannot ask the database (%s); retrying", exc)
            self._unreachable = True
            await self.lock.let_go()
            return False
        if self._unreachable:
            log.info("leader lock: the database answers again")
            self._unreachable = False
        return taken

    async def _hold(self) -> None:
        """Return as soon as the lock's connection closes or fails a check."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lock.lost.wait(), self.check_every)
            if self.lock.lost.is_set():
                log.warning("leader lock connection closed: stepping down")
                return
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    await self.lock.check()
            except Exception as exc:
                log.warning("leader lock connection lost (%s): stepping down", exc)
                return

    async def _resign(self) -> None:
        if not self.leading:
            return
        self.leading = False
        try:
            await self._step_down()
        except Exception:  # stopping must go on: the lock is let go right after
            log.exception("stopping the leader's work failed")
        log.info("this process is no longer the leader: scheduler and sender stopped")
        self._announce(STOPPED)
