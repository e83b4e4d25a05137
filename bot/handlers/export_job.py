"""Exports that take a while, run beside the chat instead of in it.

A handler that sends a file built from many rows (the JP ledger, and the exports that
follow it) hands :func:`start` two things: ``prepare``, an async function that reads what
the file needs (storage is async: it waits on the event loop without blocking it) and
returns ``build``, a plain function that writes the file(s) and reports rows done through
:class:`bot.exports.progress.Progress`. ``build`` runs in a worker thread
(``asyncio.to_thread``): openpyxl and csv are CPU work that would otherwise stall every
other person's reply.

What the person sees: a status message at once ("Menyiapkan buku JP 2026… 0 %"), edited
as the percent moves (at most every ``svc.progress_every`` seconds, and only when the
figure changed: Telegram limits edits), then the document(s) and the status edited to
done. A failure edits the status to a friendly message; a file over the upload limit
(``svc.max_upload_bytes``) is not sent and the person is told how to ask for less. Files
are checked before any is sent, so nothing goes out half. One export per person runs at a
time: a second request meanwhile is told the first is being prepared.

The job runs as a task of its own (``Application.create_task``) and the handler returns at
once, so the person's next messages are answered while the file is built (updates of one
chat run one after another). A restart during a build loses that build: the status stays
at its last figure and the person asks again (nothing was half-sent).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.exports.progress import Document, Progress
from bot.handlers.common import Sent, edit_sent, say
from bot.handlers.context import Context
from bot.i18n import Html, number, t

log = logging.getLogger(__name__)

Build = Callable[[Progress], list[Document]]  # runs in a worker thread
Prepare = Callable[[], Awaitable[Build]]  # runs on the event loop (storage reads)
MB = 1024 * 1024
SWITCH_WHILE_BUILDING = 0.001  # seconds (Python's default is 0.005)


async def start(
    update: Update,
    context: Context,
    *,
    lang: str,
    what: str,
    narrow: Html,
    parts: int,
    prepare: Prepare,
) -> None:
    """Answer with a status message and build in the background (see the module's notes).

    ``what`` names the file in the status ("buku JP 2026"); ``narrow`` says how to ask
    for a smaller one when it is over the limit; ``parts`` is how many files ``build``
    reports progress for.
    """
    user = update.effective_user
    assert user is not None
    jobs = context.bot_data.exports
    running = jobs.running
    if user.id in running:
        await say(update, t(lang, "export.job.busy", what=what))
        return
    running.add(user.id)  # claimed before the first await: a second request sees it
    try:
        status = await say(update, _preparing(lang, what, 0))
    except BaseException:
        running.discard(user.id)
        raise
    job = _Job(context, status, lang, what, narrow, parts)
    task = context.application.create_task(job.run(prepare), update=update)
    jobs.tasks.add(task)

    def finished(task: asyncio.Task[None]) -> None:
        running.discard(user.id)
        jobs.tasks.discard(task)

    task.add_done_callback(finished)


_building = 0  # builds in worker threads now (all chats)
_usual_switch = sys.getswitchinterval()


@contextmanager
def _loop_first() -> Iterator[None]:
    """While a file is built in a thread, hand the GIL back to the event loop sooner.

    A worker thread writing XLSX never waits for I/O, so it keeps the GIL until Python
    forces a switch (every 5 ms); each time the event loop's socket or database work
    comes back it waits that long, many times per reply. 1 ms while a build runs cut
    other people's reply latency during a 10 000-person ledger (bench/export.py) from
    p50/p95 120/478 ms to 66/170 ms, for a slower build (72 s to 84 s in that run, on a
    shared machine). The interval is the process's: it is restored when no build runs.
    """
    global _building
    _building += 1
    sys.setswitchinterval(SWITCH_WHILE_BUILDING)
    try:
        yield
    finally:
        _building -= 1
        if _building == 0:
            sys.setswitchinterval(_usual_switch)


def _size(count: int, lang: str) -> str:
    """Bytes as people read them: "51,2 MB" (or kB below a megabyte)."""
    if count < MB:
        return f"{number(count / 1024, lang)} kB"
    return f"{number(count / MB, lang)} MB"


def _preparing(lang: str, what: str, percent: int) -> str:
    return t(lang, "export.job.preparing", what=what, percent=percent)


class _Job:
    """One export under way: its status message and what to say on it."""

    def __init__(
        self, context: Context, status: Sent, lang: str, what: str, narrow: Html, parts: int
    ) -> None:
        self.context, self.status, self.lang = context, status, lang
        self.what, self.narrow = what, narrow
        self.shown = 0
        self.progress = Progress(parts)

    async def run(self, prepare: Prepare) -> None:
        try:
            documents = await self._build(prepare)
        except asyncio.CancelledError:
            self.progress.stop()  # the worker thread gives up at its next report
            await self._say(t(self.lang, "export.job.stopped", what=self.what))
            raise
        except Exception:
            log.exception("export %s failed to build", self.what)
            await self._say(t(self.lang, "export.job.failed", what=self.what))
            return
        limit = self.context.svc.max_upload_bytes
        largest = max((len(d.data) for d in documents), default=0)
        if largest > limit:
            await self._say(
                t(
                    self.lang,
                    "export.job.too_big",
                    what=self.what,
                    size=_size(largest, self.lang),
                    limit=_size(limit, self.lang),
                    narrow=self.narrow,
                )
            )
            return
        try:
            for document in documents:
                await self.context.bot.send_document(
                    self.status.chat_id,
                    InputFile(document.data, filename=document.filename),
                    caption=document.caption,
                    parse_mode=ParseMode.HTML if document.caption else None,
                )
        except TelegramError:
            log.exception("export %s could not be sent", self.what)
            await self._say(t(self.lang, "export.job.failed", what=self.what))
            return
        await self._say(t(self.lang, "export.job.done", what=self.what))

    async def _build(self, prepare: Prepare) -> list[Document]:
        """Read, then write in a worker thread, editing the status as the figure moves."""
        progress = self.progress
        with _loop_first():  # reading may count in a thread too (the programme report)
            build = await prepare()
            task = asyncio.ensure_future(asyncio.to_thread(build, progress))
            every = self.context.svc.progress_every
            while not task.done():
                await asyncio.wait({task}, timeout=every)
                percent = progress.percent
                if not task.done() and percent != self.shown:
                    self.shown = percent
                    await self._say(_preparing(self.lang, self.what, percent))
            return task.result()

    async def _say(self, text: str) -> None:
        """Edit the status message; a failed edit is logged, never the end of the job."""
        try:
            await edit_sent(self.context.bot, self.status, text)
        except TelegramError:
            log.warning("could not edit the status of export %s", self.what, exc_info=True)
