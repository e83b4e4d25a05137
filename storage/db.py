"""The database connection: one engine, serialised writes, SQLite tuned for a bot.

Why a class of our own around the engine: SQLite allows one writer at a time, and aiosqlite
runs every statement of a connection on one thread, so two coroutines sharing a half-done
transaction would interleave their statements. Every write therefore goes through
:meth:`Database.write`, which takes a process-wide lock and starts the transaction with
``BEGIN IMMEDIATE`` (the write lock is taken up front, so a concurrent writer in another
process waits on ``busy_timeout`` instead of failing half-way). On PostgreSQL the same calls
are plain transactions.

Across processes (several bots on one PostgreSQL database) the process lock is no help:
each update's handling runs under :meth:`Database.person_lock` (one person's updates never
run at once anywhere), and the invariants two *people* can race on are constraints or row
locks in the write transaction (``storage/schema.py``: one current pairing per programme
and mentee, one nudge a day; ``storage/people.py`` ``lock_mentors``; every status change a
conditional UPDATE whose row count says whether it happened).

Advisory lock keys (PostgreSQL): person locks use the two-int form
``pg_advisory_lock(int4, int4)`` with class :data:`PERSON_LOCK_CLASS` and the Telegram id
folded to 32 bits (:func:`person_lock_key`); ``storage/advisory.py`` lists every key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage import advisory, sqlite_driver
from storage.inbox import mark_done

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# SQLite's own checkpoint runs inside the COMMIT that takes the WAL past 1 000 pages, while
# the write lock (ours and SQLite's) is held: measured with bench/tick.py at 100 000
# mentees, that one commit took 300-340 ms of a 0.5 s minute, and everyone writing waited
# for it. The WAL is checkpointed instead by a task of its own, this long after the first
# write since the last checkpoint, outside the write lock (PASSIVE: it never blocks a
# reader or a writer). The WAL then holds about a second of writes.
CHECKPOINT_DELAY = 1.0
# Updates of different people are handled concurrently (``bot/inbox.py``, up to 256 at once,
# most of them waiting on Telegram, not on storage): a pool of up to 128 connections keeps
# readers from queueing behind each other. No flow opens a transaction inside another, so a
# writer never waits for a connection held by someone waiting for the write lock.
POOL_SIZE = 8
POOL_OVERFLOW = 120
# On SQLite a connection is a thread of aiosqlite's and six statements to open (pragmas,
# functions): a connection returned above the pool's size is closed and the next burst
# opens it again. Profiled with bench/update_cost.py (100 updates in flight), that churn
# was about 3 connections opened and closed per update. SQLite keeps more of them (the limit stays
# 128); PostgreSQL keeps 8, as several processes share the server's connection limit.
SQLITE_POOL_SIZE = 32
_WRITE_OPTION = "pembina_write"
_ALONE_OPTION = "pembina_alone"  # SQLite: no BEGIN (see Database.read_alone)

# Within: SQLite statements run on the event loop's thread, not aiosqlite's (an update's
# short reads and writes; see storage/sqlite_driver.py). Nothing changes on PostgreSQL.
on_loop = sqlite_driver.on_loop

PERSON_LOCK_CLASS = advisory.PERSON
PERSON_LOCK_RETRY = (0.005, 0.01, 0.02, 0.05, 0.1)  # seconds between tries, then the last


# The person lock's statements with the key bound, not written into the text: one text per
# function, so asyncpg prepares each once per connection (its statement cache) instead of
# preparing a new text, one more round trip, for every person; the driver's own execute,
# with no SQLAlchemy compile in between.
_PERSON_LOCK_SQL = {
    function: f"SELECT {function}($1, $2)"
    for function in ("pg_try_advisory_lock", "pg_advisory_unlock")
}


def person_lock_key(telegram_id: int) -> int:
    """A Telegram id (up to 52 bits; groups are negative) folded into a signed int4.

    Two people sharing a key only wait for each other now and then; one person always
    has the same key, which is all the lock needs.
    """
    folded = (telegram_id ^ (telegram_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


class AlreadyHandled(Exception):
    """The update being handled was handled before (Telegram redelivered it after a crash)."""


@dataclass(slots=True)
class _UpdateMark:
    update_id: int
    at: datetime
    recorded: bool = False
    # What this update has read so far and may read again (see :func:`update_memo`).
    memo: dict[Any, Any] = field(default_factory=dict)


class _LocalLock:
    """One person's lock within this process, and how many tasks hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


_current_update: ContextVar[_UpdateMark | None] = ContextVar("pembina_update", default=None)


def handling_update(update_id: int, at: datetime) -> None:
    """Declare that the current task is handling ``update_id``.

    The first write transaction of that task then marks the update's inbox row done *in
    the same transaction* as the change it makes, so a crash can never leave a change
    applied but the update not done (which would apply it twice after a restart), nor the
    reverse (which would lose it).
    """
    _current_update.set(_UpdateMark(update_id, at))


@contextmanager
def handling(update_id: int, at: datetime) -> Iterator[_UpdateMark]:
    """:func:`handling_update` for one block; the mark says whether a write recorded it.

    Resets the declaration afterwards, so the next update handled by the same task (one
    person's updates run one after another in one task) starts unrecorded.
    """
    mark = _UpdateMark(update_id, at)
    token = _current_update.set(mark)
    try:
        yield mark
    finally:
        _current_update.reset(token)


def update_memo() -> dict[Any, Any] | None:
    """A scratch memo for the update the current task is handling (None outside one).

    Reads an update repeats (who sent it, which dialogue is open) are kept here so they run
    once per update. It lives and dies with the one update, so nothing in it is older than
    the update's start, and it is emptied by every write transaction of the update: a read
    after the update's own change is always fresh. It is never shared between updates,
    tasks or processes, so no other process's change can be hidden beyond this update.
    """
    mark = _current_update.get()
    return None if mark is None else mark.memo


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    """WAL, foreign keys and a busy timeout on every connection; explicit BEGINs."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Not inside a commit: Database checkpoints outside the write lock (CHECKPOINT_DELAY).
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        # Deleted and overwritten content is zeroed, not left in free pages (erasure on
        # request must leave no readable trace in the file; see Database.scrub).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(_ALONE_OPTION, False):
            return  # one statement in autocommit (Database.read_alone)
        begin = "BEGIN IMMEDIATE" if options.get(_WRITE_OPTION, False) else "BEGIN"
        driver = conn.connection.driver_connection
        if isinstance(driver, sqlite_driver.Connection):
            # It goes with the transaction's first statement (storage/sqlite_driver.py);
            # handed over directly, not through a statement execution of SQLAlchemy's.
            driver.pending_begin = begin
        else:
            conn.exec_driver_sql(begin)


class Database:
    """Owns the engine; hands out read and write transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = _is_sqlite(url)
        kept = SQLITE_POOL_SIZE if self.is_sqlite else POOL_SIZE
        # Every transaction here ends with its COMMIT or ROLLBACK (``read``/``write`` and
        # SQLAlchemy's own close), so the pool's second ROLLBACK on return is work for
        # nothing; on SQLite it is one more round trip to aiosqlite's thread a transaction.
        # Its driver is aiosqlite with one trip to the connection's thread per statement
        # (``storage/sqlite_driver.py``).
        extra: dict[str, Any] = (
            {"pool_reset_on_return": None, "module": sqlite_driver.dbapi()}
            if self.is_sqlite
            else {}
        )
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=kept, max_overflow=POOL_SIZE + POOL_OVERFLOW - kept, **extra
        )
        if self.is_sqlite:
            _install_sqlite_pragmas(self.engine)
        # The same pool, its connections handed out with the options already set: a
        # per-connection ``execution_options`` call was about a tenth of a one-statement
        # read's CPU.
        alone = {_ALONE_OPTION: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
        self._alone_engine = self.engine.execution_options(**alone)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._write_lock = asyncio.Lock()
        self._person_locks: dict[int, _LocalLock] = {}
        self._lock_conn: AsyncConnection | None = None
        self._lock_conn_guard = asyncio.Lock()
        self._unlocking: set[asyncio.Future[bool]] = set()
        self.checkpoint_delay = CHECKPOINT_DELAY
        self._checkpoint: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (a consistent snapshot; no lock taken)."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def read_alone(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads that need no snapshot shared between statements (most
        often ONE statement): each runs in autocommit, its own snapshot.

        A transaction around one ``SELECT`` adds nothing it does not already have, and
        costs two more round trips on PostgreSQL (``BEGIN``, ``COMMIT``) and a ``COMMIT``
        trip to aiosqlite's thread on SQLite. Never for a read whose statements must agree
        with each other (use :meth:`read`).
        """
        async with self._alone_engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write_alone(self, *, locked: bool = True) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE write statement that is whole on its own (an ``UPDATE`` of
        a set of rows, atomic as any statement is): autocommit, no transaction around it.

        ``locked`` (the default) takes the process write lock as :meth:`write` does, so on
        SQLite it never waits on ``busy_timeout`` behind another of our writers. Not
        recorded as the handling update's first write (see :meth:`write`): for the
        update-free work of the inbox's done marks and the send clock.
        """
        lock = self._write_lock if locked else nullcontext()
        async with lock, self._alone_engine.connect() as conn:
            yield conn
        if self.is_sqlite:
            self._checkpoint_later()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed on success, rolled back on any exception.

        The process lock is kept on PostgreSQL too, though correctness across processes no
        longer rests on it (person locks, constraints, row locks and checked UPDATEs do):
        some read-then-write paths are not constraints yet (the outbox claim is a SELECT
        then an UPDATE, and the sender claims for 32 chats at once), and dropping the lock
        would let one process race with itself on them; it also keeps each process to one
        open write transaction, so several processes stay far below PostgreSQL's
        connection limit and a writer never waits for a pool emptied by other writers.
        Write transactions are short (no Telegram call inside one), so the cost is small.
        """
        mark = _current_update.get()
        if mark is not None:
            mark.memo.clear()
        try:
            async with self._write_lock, self._write_engine.connect() as conn, conn.begin():
                if mark is not None and not mark.recorded:
                    await _record_update(conn, mark)
                yield conn
        finally:
            if mark is not None:
                mark.memo.clear()  # what was read before this write may be changed by it
        if mark is not None:
            mark.recorded = True
        if self.is_sqlite:
            self._checkpoint_later()

    @asynccontextmanager
    async def person_lock(self, telegram_id: int) -> AsyncIterator[None]:
        """Hold one person's lock across every process using this database.

        An update's handling (``bot/inbox.py``) reads, asks, then writes in several
        transactions; two updates of one person handled at once in two processes (two
        answers, a double press) would each read the step before the other's write and one
        answer would be lost. Within a process the inbox's lanes already keep a person's
        updates in order, so on SQLite (one process) this is a lock in memory only.

        On PostgreSQL it is also a session-level advisory lock, held until the handling
        ends. All of a process's person locks live on one connection of their own, taken
        with ``pg_try_advisory_lock`` and retried after a short sleep when another process
        holds it: a blocking ``pg_advisory_lock`` would pin one pooled connection per
        waiting person (up to 256 lanes against a pool of 128, each handler needing a
        second connection for its own transactions: the pool would deadlock). Person
        locks are never taken inside a transaction, so waiting for one never holds a row
        lock or the write lock anyone else waits for.
        """
        key = person_lock_key(telegram_id)
        local = self._person_locks.setdefault(key, _LocalLock())
        local.users += 1
        try:
            async with local.lock:
                if self.is_sqlite:
                    yield
                    return
                await self._take_person_lock(key)
                try:
                    yield
                finally:
                    # Shielded: a handling cancelled at shutdown must still let go.
                    await asyncio.shield(self._advisory(key, "pg_advisory_unlock"))
        finally:
            local.users -= 1
            if local.users == 0:
                del self._person_locks[key]

    async def _take_person_lock(self, key: int) -> None:
        """Try the advisory lock until it is ours, sleeping a little between tries.

        Each try runs shielded: a handling cancelled (at shutdown) while its try is on the
        wire must not leave a lock the server granted and nobody will release, which would
        hold that person up in every other process until this one exits.
        """
        attempt = 0
        while True:
            call = asyncio.ensure_future(self._advisory(key, "pg_try_advisory_lock"))
            try:
                taken = await asyncio.shield(call)
            except asyncio.CancelledError:
                call.add_done_callback(lambda done: self._unlock_if_taken(key, done))
                raise
            if taken:
                return
            await asyncio.sleep(PERSON_LOCK_RETRY[min(attempt, len(PERSON_LOCK_RETRY) - 1)])
            attempt += 1

    def _unlock_if_taken(self, key: int, done: asyncio.Future[bool]) -> None:
        if done.cancelled() or done.exception() is not None or not done.result():
            return
        task = asyncio.ensure_future(self._advisory(key, "pg_advisory_unlock"))
        self._unlocking.add(task)
        task.add_done_callback(self._unlocking.discard)

    async def _advisory(self, key: int, function: str) -> bool:
        """Run an advisory lock function on the person-lock connection (made on first use,
        autocommit so it never sits in a transaction); its boolean answer."""
        async with self._lock_conn_guard:
            if self._lock_conn is None:
                conn = await self.engine.connect()
                self._lock_conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            try:
                result = await self._lock_conn.exec_driver_sql(
                    _PERSON_LOCK_SQL[function], (PERSON_LOCK_CLASS, key)
                )
            except Exception:
                # A broken connection released every lock it held; start a new one.
                await self._drop_lock_conn()
                raise
            return bool(result.scalar())

    async def _drop_lock_conn(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is not None:
            with suppress(Exception):  # already broken: nothing more to release
                await conn.close()

    async def scrub(self) -> None:
        """After an erasure: leave no old copy of erased rows in the SQLite files.

        ``secure_delete`` (set on every connection) zeroes what a transaction frees, but
        the WAL still holds the page images written before; a checkpoint in TRUNCATE mode
        copies the current pages into the database and empties the WAL. Readers still on an
        old snapshot keep the WAL alive, so it is retried briefly. Taken under the write
        lock so no write of ours lands in between. Nothing to do on PostgreSQL.
        """
        if not self.is_sqlite:
            return
        async with self._write_lock:
            for _attempt in range(50):
                busy, _frames, _copied = await self._wal_checkpoint("TRUNCATE")
                if busy == 0:
                    return
                await asyncio.sleep(0.1)

    def _checkpoint_later(self) -> None:
        """After a commit: checkpoint the WAL soon, once for every write until then."""
        if self._checkpoint is None or self._checkpoint.done():
            self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_soon())

    async def _checkpoint_soon(self) -> None:
        await asyncio.sleep(self.checkpoint_delay)
        try:
            await self.checkpoint()
        except Exception:
            # The next write tries again; the WAL only grows meanwhile.
            log.warning("WAL checkpoint failed", exc_info=True)

    async def checkpoint(self) -> tuple[int, int, int]:
        """Copy the WAL's pages into the database file (PASSIVE: pages a reader still
        needs stay for the next time); SQLite's (busy, WAL frames, frames copied)."""
        return await self._wal_checkpoint("PASSIVE")

    async def _wal_checkpoint(self, mode: str) -> tuple[int, int, int]:
        """``PRAGMA wal_checkpoint(mode)`` on a connection of its own, outside any
        transaction (the driver's own execute); its (busy, WAL frames, frames copied)."""
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            cursor = await driver.execute(f"PRAGMA wal_checkpoint({mode})")
            row = await cursor.fetchone()
            await cursor.close()
        busy, frames, copied = row if row is not None else (1, 0, 0)
        return int(busy), int(frames), int(copied)

    async def dispose(self) -> None:
        task, self._checkpoint = self._checkpoint, None
        if task is not None:
            task.cancel()  # closing the last connection checkpoints the WAL anyway
            with suppress(asyncio.CancelledError):
                await task
        async with self._lock_conn_guard:
            await self._drop_lock_conn()
        await self.engine.dispose()


async def _record_update(conn: AsyncConnection, mark: _UpdateMark) -> None:
    if not await mark_done(conn, mark.update_id, mark.at):
        raise AlreadyHandled(mark.update_id)
