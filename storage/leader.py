"""The leader lock: which one of several bot processes runs the scheduler and the sender.

On PostgreSQL it is a *session-level* advisory lock, ``(advisory.CLASS, advisory.LEADER)``,
held on a connection of its own: not one of the pool's, which come and go with
transactions (a session lock taken on a pooled connection would stay with whichever
transaction borrows that connection next). The connection runs in autocommit, so while it
waits it holds no snapshot and keeps no transaction open. When the process dies, even by
SIGKILL, the server sees the socket close, ends the session and frees the lock; another
process's next try takes it.

On SQLite there is one process per database file: it is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import advisory

# How the lock's connection shows in pg_stat_activity (an operator looking for the leader).
APPLICATION_NAME = "pembina-leader"
_ALIVE = text("SELECT 1")


class LeaderLock:
    """Try, keep and let go of the leader lock. Any method may raise the driver's errors
    when the server cannot be reached; the caller treats that as "not the leader"."""

    def __init__(self, url: str) -> None:
        self.always = make_url(url).get_backend_name() == "sqlite"
        self._engine: AsyncEngine | None = None
        if not self.always:
            self._engine = create_async_engine(
                url,
                poolclass=NullPool,  # closing the connection really ends the session
                connect_args={"server_settings": {"application_name": APPLICATION_NAME}},
            )
        self._conn: AsyncConnection | None = None
        self.lost = asyncio.Event()  # set when the lock's connection closes

    async def try_take(self) -> bool:
        """Take the lock if nobody holds it; never waits for it. Connects when needed and
        keeps the connection for the next try (a follower asks every few seconds)."""
        if self.always:
            return True
        if self._conn is None:
            assert self._engine is not None
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            self.lost = asyncio.Event()
            raw = await self._conn.get_raw_connection()
            # asyncpg calls this as soon as the socket closes (the server ended the
            # session, or the connection broke), without waiting for the next check.
            driver = raw.driver_connection
            assert driver is not None
            driver.add_termination_listener(_set_on_call(self.lost))
        result = await self._conn.execute(advisory.TRY_SESSION_LOCK, advisory.key(advisory.LEADER))
        return bool(result.scalar_one())

    async def check(self) -> None:
        """Raise unless the lock's session is still there (while it is, the lock is ours)."""
        if self.always:
            return
        if self._conn is None:
            raise ConnectionError("the leader lock has no connection")
        await self._conn.execute(_ALIVE)

    async def let_go(self) -> None:
        """End the lock's session (freeing the lock at once if it was held). A broken
        connection is dropped without a word to the server; the next try reconnects."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.close()
        except Exception:  # already broken: nothing to tell the server
            with contextlib.suppress(Exception):
                await conn.invalidate()

    async def dispose(self) -> None:
        await self.let_go()
        if self._engine is not None:
            await self._engine.dispose()


def _set_on_call(event: asyncio.Event) -> Callable[..., None]:
    def listener(*_args: Any) -> None:
        event.set()

    return listener
