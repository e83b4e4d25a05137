"""Which bot processes are alive, so one may take over what a dead one left half done.

Each process has an id (a UUID made at start). On PostgreSQL it holds, for as long as it
runs, a session-level advisory lock derived from that id, on a connection of its own: when
the process dies, even by SIGKILL, its connection closes and PostgreSQL frees the lock at
once. Another process asks ``pg_locks`` which of those locks are held: an id whose lock is
not held is a dead process. (No heartbeat table to write every few seconds, and no guess
about how long is too long.) The locks use the two-key form with :data:`NAMESPACE` as the
first key (``storage/advisory.py`` lists every key).

On SQLite only one process uses a database file, so any other id is a dead process.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import advisory
from storage.db import Database

NAMESPACE = advisory.LIVENESS
_MAX_TRIES = 8


def lock_key(process_id: str) -> int:
    """The second lock key of a process id: 31 bits of it (a positive ``int4``)."""
    return int(process_id[:8], 16) & 0x7FFFFFFF


class ProcessLife:
    """This process's id, and on PostgreSQL the lock that says it is alive."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.id = uuid.uuid4().hex
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self.db.is_sqlite or self._conn is not None

    async def hold(self) -> str:
        """Take this process's lock (once); returns its id. If a live process's id shares the
        lock key (one chance in 2**31), another id is drawn, so no two live ids share one."""
        if self.held:
            return self.id
        conn = await self.db.engine.connect()
        try:
            for _ in range(_MAX_TRIES):
                taken = await conn.scalar(
                    text("SELECT pg_try_advisory_lock(:ns, :key)"),
                    {"ns": NAMESPACE, "key": lock_key(self.id)},
                )
                await conn.commit()  # the lock is the session's; no transaction stays open
                if taken:
                    self._conn = conn
                    return self.id
                self.id = uuid.uuid4().hex
        except BaseException:
            await conn.close()
            raise
        await conn.close()
        raise RuntimeError("no free liveness lock key")

    async def release(self) -> None:
        """Stop saying this process is alive. The connection is closed for good, not handed
        back to the pool (a pooled session would keep holding the lock)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.invalidate()
            await conn.close()


async def dead(conn: AsyncConnection, ids: Collection[str | None], me: str) -> set[str | None]:
    """Of ``ids`` (None: an id never recorded), those of processes that are gone; never ``me``."""
    others = {i for i in ids if i != me}
    if not others or conn.dialect.name == "sqlite":
        return others
    live_keys = set(
        (
            await conn.execute(
                text(
                    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid = :ns AND objsubid = 2 AND granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                ),
                {"ns": NAMESPACE},
            )
        ).scalars()
    )
    return {i for i in others if i is None or lock_key(i) not in live_keys}
