"""aiosqlite with fewer trips to its thread: one per statement, not three or four.

aiosqlite runs each call on the connection's own thread and waits for it: a queue put, a
thread switch, and a wake-up of the event loop through its self-pipe, every time. Through
SQLAlchemy a ``SELECT`` was four such trips (make a cursor, execute, fetch, close), an
``UPDATE`` three, and a transaction's ``BEGIN`` three more: about eight for a one-statement
read, about 32 for a whole update (profiled with ``bench/update_cost.py``; the trips were
the largest single cost of an update after the HTTP reply).

Here a cursor is a plain object on the event loop's side, and ``execute`` is one trip that
runs the statement, fetches its first rows (all of them, for every query an update makes)
and closes the SQLite cursor when nothing is left. A query with more rows (a streamed
province) keeps its SQLite cursor open and fetches the rest in batches, as before. The
``BEGIN`` (or ``BEGIN IMMEDIATE``) SQLAlchemy issues at the start of a transaction is not
sent alone: it goes with the transaction's first statement, in the same trip, and a
transaction that ran no statement commits or rolls back with no trip at all. SQLite sees
exactly the statements it saw before, in the same order; only the waiting between them is
shorter. Everything else (connecting, pragmas, the connection's own ``execute``) is
aiosqlite's unchanged.

**Short statements on the event loop** (:func:`on_loop`). A trip still costs more than
the statements an update runs: measured with ``bench/update_cost.py``, aiosqlite's threads
spent 0.5-0.6 ms of CPU per update, and the loop as much again handing work over and
waking up, for one or two statements that SQLite runs in 10-20 us. Within
``on_loop()`` (an update's handling: ``bot/inbox.py``) a cursor runs its statement, and
the connection its ``COMMIT`` or ``ROLLBACK``, on the event loop's own thread, with no
trip. Only where no statement can be long: a reply to one person reads and writes that
person's rows through indexes; the digest, the minute tick, the outbox, exports and the
command line run outside ``on_loop()``, on the thread, as before. Python's ``sqlite3``
lets go of the GIL while SQLite works either way.

Waiting is never done on the loop: there SQLite's busy timeout is 0, so a write lock held
by another process (a ``pembina`` command run beside the bot) fails the statement at once
with ``SQLITE_BUSY``, which changed nothing, and the same statement is sent on the thread,
where it waits up to the busy timeout as every statement did before.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

PREFETCH = 1000  # rows fetched in the executing trip; a larger result is fetched in batches
_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})

_Done = tuple[sqlite3.Cursor, Any, list[Any], bool, int, int | None, bool]

_on_loop: ContextVar[bool] = ContextVar("pembina_sqlite_on_loop", default=False)


@contextmanager
def on_loop(enabled: bool = True) -> Iterator[None]:
    """Within: statements run on the event loop's thread (``False``: on the connection's
    thread again, for long work started from within, such as an export's reads).

    A context variable, so it holds for this task and the tasks it starts, never for
    another person's update.
    """
    token = _on_loop.set(enabled)
    try:
        yield
    finally:
        _on_loop.reset(token)


def _run(
    conn: sqlite3.Connection, begin: str | None, sql: str, parameters: Any, many: bool
) -> _Done:
    """In the connection's thread: the pending BEGIN, the statement, its first rows."""
    if begin is not None:
        conn.execute(begin)
    cursor = conn.cursor()
    if many:
        cursor.executemany(sql, parameters)
    elif parameters is None:
        cursor.execute(sql)
    else:
        cursor.execute(sql, parameters)
    description = cursor.description
    rows = cursor.fetchmany(PREFETCH) if description is not None else []
    done = description is None or len(rows) < PREFETCH
    result = (
        cursor,
        description,
        rows,
        done,
        cursor.rowcount,
        cursor.lastrowid,
        conn.in_transaction,
    )
    if done:
        cursor.close()
    return result


def _more(cursor: sqlite3.Cursor, size: int | None) -> tuple[list[Any], bool]:
    """In the connection's thread: the next rows (all if ``size`` is None)."""
    rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
    done = size is None or len(rows) < size
    if done:
        cursor.close()
    return rows, done


class Cursor:
    """The part of aiosqlite's cursor SQLAlchemy uses, with one trip per ``execute``."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None
        self._rows: deque[Any] = deque()
        self._done = True
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        if not parameters and sql in _BEGINS:
            # Sent with the next statement; nothing is read or changed before it.
            self._connection.pending_begin = sql
            self.description, self.rowcount = None, -1
            return self
        return await self._execute(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> Cursor:
        return await self._execute(sql, parameters, many=True)

    async def _execute(self, sql: str, parameters: Any, *, many: bool) -> Cursor:
        await self.close()
        begin, self._connection.pending_begin = self._connection.pending_begin, None
        conn = self._connection.sqlite
        # Unknown until the trip returns: a statement that fails after its BEGIN ran leaves
        # a transaction open, and the rollback that follows must really be sent.
        self._connection.open = True
        ran = await self._connection.run_statement(
            lambda: _run(conn, begin, sql, parameters, many), began=begin is not None
        )
        cursor, description, rows, done, rowcount, lastrowid, self._connection.open = ran
        self._cursor = None if done else cursor
        self._rows = deque(rows)
        self._done = done
        self.description, self.rowcount, self.lastrowid = description, rowcount, lastrowid
        return self

    async def _fill(self, size: int | None) -> None:
        cursor = self._cursor
        if self._done or cursor is None:
            return
        rows, done = await self._connection.run(lambda: _more(cursor, size))
        self._rows.extend(rows)
        if done:
            self._done, self._cursor = True, None

    async def fetchall(self) -> list[Any]:
        await self._fill(None)
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        wanted = size or self.arraysize
        if len(self._rows) < wanted:
            await self._fill(max(wanted, PREFETCH))
        return [self._rows.popleft() for _ in range(min(wanted, len(self._rows)))]

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        """Close an SQLite cursor left open by a large result (one trip); else nothing."""
        cursor, self._cursor = self._cursor, None
        self._rows.clear()
        if not self._done and cursor is not None:
            self._done = True
            await self._connection.run(cursor.close)


class _CursorMaker:
    """What ``connection.cursor()`` returns: awaitable and an async context manager, as
    aiosqlite's is, but with no trip to the thread."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def __await__(self) -> Any:
        return self._make().__await__()

    async def _make(self) -> Cursor:
        return Cursor(self._connection)

    async def __aenter__(self) -> Cursor:
        return Cursor(self._connection)

    async def __aexit__(self, *_exc: object) -> None:
        return None


class Connection(aiosqlite.Connection):
    """aiosqlite's connection with :class:`Cursor`s and a BEGIN held for the next trip.

    ``open`` is whether SQLite was inside a transaction after the last statement run
    through a :class:`Cursor`: a commit or rollback with none open (a statement run on its
    own, in autocommit) needs no trip. Anything run through aiosqlite's own ``execute``
    makes it unknown, so the next commit or rollback is sent."""

    pending_begin: str | None = None
    open: bool = True
    # The busy timeout set when the connection was made (read at the first statement run
    # on the loop) and whether it is in force now (on the loop it is 0).
    _busy_ms: int | None = None
    _waits: bool = True

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._conn

    async def run(self, function: Callable[[], Any]) -> Any:
        """``function`` on the loop within :func:`on_loop`, else one trip to the thread.

        For work that waits for no lock: more rows of a statement already running, and
        a transaction's ``COMMIT`` or ``ROLLBACK`` (it holds the write lock, or only read).
        """
        if _on_loop.get():
            self._wait_when_busy(False)
            return function()
        return await self._trip(function)

    async def run_statement(self, function: Callable[[], Any], *, began: bool) -> Any:
        """:meth:`run` for a statement (with its transaction's ``BEGIN`` if ``began``):
        one that finds the database locked by another process is sent to the thread.

        SQLite reports a lock only at a transaction's first statement (later ones hold
        what they need): nothing was read or written, and a ``BEGIN`` that ran with it is
        rolled back before the statement goes again, with its ``BEGIN``, on the thread.
        """
        if not _on_loop.get():
            return await self._trip(function)
        try:
            return await self.run(function)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # BUSY and its extended codes
                raise
            if self._conn.in_transaction:
                if not began:
                    raise  # not a first statement: nothing may be sent again
                self._conn.rollback()
        return await self._trip(function)

    async def _trip(self, function: Callable[[], Any]) -> Any:
        self._wait_when_busy(True)
        return await super()._execute(function)

    def _wait_when_busy(self, wait: bool) -> None:
        """The busy timeout for where the next statement runs: as set on the thread, 0 on
        the loop (the event loop never sleeps in SQLite waiting for another process)."""
        if wait == self._waits:
            return
        if self._busy_ms is None:
            self._busy_ms = int(self._conn.execute("PRAGMA busy_timeout").fetchone()[0])
        self._conn.execute(f"PRAGMA busy_timeout={self._busy_ms if wait else 0}")
        self._waits = wait

    def cursor(self) -> Any:  # type: ignore[override]
        return _CursorMaker(self)

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self.open = True  # aiosqlite's own calls: whatever they ran, commit for real
        self._wait_when_busy(True)
        return await super()._execute(fn, *args, **kwargs)

    async def commit(self) -> None:
        if self.pending_begin is not None:  # nothing ran: nothing to commit
            self.pending_begin = None
            return
        if self.open:
            await self.run(self._conn.commit)
            self.open = False

    async def rollback(self) -> None:
        if self.pending_begin is not None:
            self.pending_begin = None
            return
        if self.open:
            await self.run(self._conn.rollback)
            self.open = False


def connect(database: Any, **kwargs: Any) -> Connection:
    """``aiosqlite.connect`` making a :class:`Connection` (its thread a daemon, as
    SQLAlchemy makes aiosqlite's)."""
    kwargs.pop("iter_chunk_size", None)

    # Made on the connection's thread, used on the event loop's too (never at once).
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(str(database), **kwargs)

    connection = Connection(connector, 64)
    connection._thread.daemon = True
    return connection


class Dbapi(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, connecting with :func:`connect`."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection: Any = await_(connect(*arg, **kw))
        return AsyncAdapt_aiosqlite_connection(self, connection)


def dbapi() -> Dbapi:
    """For ``create_async_engine(..., module=dbapi())``."""
    return Dbapi(aiosqlite, sqlite3)
