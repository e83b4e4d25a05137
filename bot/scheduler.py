"""The in-process scheduler: one fixed trigger that asks storage what is due.

There are no per-person jobs (see docs/architecture.md): every minute the bot runs
:func:`run_due_work`, which looks in the database for work whose time has come. A restart,
a new person or a changed schedule needs no job changes: expiring pairing offers nobody
answered, reflection and review nudges, and the supervisors' Monday digests.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.flows import digest, nudges, pairing
from bot.flows.planning import Late
from bot.flows.services import Services
from storage import inbox, outbox
from storage import nudges as nudge_records

log = logging.getLogger(__name__)
JOB_ID = "due-work"


async def run_due_work(svc: Services, late: list[Late] | None = None) -> dict[str, int]:
    """Everything due at ``svc.clock.now()``; returns what was done, by kind. Nudges are
    spread over their window (``bot.flows.planning``); ``late`` gets those that do not
    fit, for ``pembina jobs tick`` to say so."""
    return {
        "offers_expired": await pairing.expire_offers(svc),
        "reflection_nudges": await nudges.reflection_nudges(svc, late),
        "review_nudges": await nudges.review_nudges(svc),
        "offer_nudges": await nudges.offer_nudges(svc),
        "milestone_nudges": await nudges.milestone_nudges(svc, late),
        "digests": await digest.weekly(svc),
        "updates_forgotten": await _forget_old_updates(svc),
        "history_pruned": await _prune_history(svc),
    }


async def _forget_old_updates(svc: Services) -> int:
    """Done inbox rows are kept a week (Telegram redelivers within a day), not forever; rows
    not done yet are never dropped."""
    async with svc.db.write() as conn:
        return await inbox.forget_done_before(conn, svc.clock.now() - inbox.RETENTION)


async def _prune_history(svc: Services) -> int:
    """Sent outbox rows (30 days) and nudge records (60 days) would otherwise grow by
    millions a year in a province; neither is needed once its windows have passed."""
    now = svc.clock.now()
    async with svc.db.write() as conn:
        pruned = await outbox.forget_sent_before(conn, now - outbox.RETENTION)
        return pruned + await nudge_records.forget_before(conn, now - nudge_records.RETENTION)


class Scheduler:
    """Runs :func:`run_due_work` every minute while started; the leader process starts it
    each time it becomes the leader and stops it when it no longer is (bot/leadership.py)."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._ticking: asyncio.Task[object] | None = None
        self._submitted = False  # a tick handed to the event loop, not begun yet

    @property
    def busy(self) -> bool:
        """Whether a tick runs, is about to (submitted, or due by the wall clock), so what
        it queues is still to come."""
        if self._ticking is not None or self._submitted:
            return True
        job = self._scheduler.get_job(JOB_ID) if self._scheduler.running else None
        due: datetime | None = job.next_run_time if job is not None else None
        return due is not None and due <= datetime.now(UTC)

    def _on_submitted(self, _event: JobSubmissionEvent) -> None:
        self._submitted = True

    async def _tick(self) -> None:
        self._ticking = asyncio.current_task()
        self._submitted = False
        try:
            done = await run_due_work(self.svc)
        except asyncio.CancelledError:  # stopped mid-tick: each write committed or not
            log.info("scheduled work stopped mid-tick; the next leader's tick goes on")
            return
        except Exception:  # a failed tick is retried by the next one; nothing is lost
            log.exception("scheduled work failed")
            return
        finally:
            self._ticking = None
        if any(done.values()):
            log.info("scheduled work: %s", done)

    def start(self) -> None:
        if self._scheduler.running:
            return
        self._scheduler = AsyncIOScheduler(timezone=UTC)  # a stopped one does not restart
        self._scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(minutes=1),
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            # At once on start, not a minute later: after downtime, what was missed (within
            # its grace window) is caught up first. Wall time only decides *when* the
            # trigger fires; *what* is due is asked of the injected clock.
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    async def stop(self) -> None:
        """No more ticks, and the one running now (if any) is cancelled: a process that is
        no longer the leader must not go on queueing what the new leader queues. Returns
        once that tick has unwound: a connection it was opening is closed in a task it
        waits for, which the database's disposal (or the loop's end) must not overtake."""
        ticking = self._ticking
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            # APScheduler's asyncio shutdown runs on the loop's next turn and cancels the
            # running tick itself: once is enough. A second cancellation landed while the
            # tick was closing a connection cut short by the first, and left that closing
            # pending ("Task was destroyed but it is pending!" as the playground ended).
            await asyncio.sleep(0)
        self._submitted = False  # a submitted tick is cancelled with the scheduler
        if ticking is not None:
            if not ticking.cancelling():
                ticking.cancel()
            await asyncio.wait([ticking])
