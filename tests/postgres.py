"""PostgreSQL for the tests: a fresh database per test, copied from a migrated template.

``PEMBINA_TEST_POSTGRES`` is a server's URL (``postgresql+asyncpg://user@host:port/db``);
unset, every test runs on SQLite. Migrating a database takes about a second, copying a
template a few tens of milliseconds, so each test process (one per pytest-xdist worker)
migrates its own template once (named by its pid, dropped at exit) and every test gets
``CREATE DATABASE ... TEMPLATE`` of it, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from storage.db import Database
from storage.migrate import upgrade

SERVER: URL | None = (
    make_url(os.environ["PEMBINA_TEST_POSTGRES"])
    if os.environ.get("PEMBINA_TEST_POSTGRES")
    else None
)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# One template per test process, not per worker name: several checkouts (other branches,
# with other migrations) share one server, and a ``gw0`` of another run would otherwise
# drop and remake this run's template with its own schema. Dropped when the process ends.
_TEMPLATE = f"pembina_template_{_WORKER}_{os.getpid()}"
_template_ready = False


def _server() -> URL:
    assert SERVER is not None, "PEMBINA_TEST_POSTGRES is not set"
    return SERVER


def url_of(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the test server."""
    return _server().set(database=name).render_as_string(hide_password=False)


async def _connect(url: URL) -> asyncpg.Connection:
    """A plain asyncpg connection to ``url`` (SQLAlchemy's form), outside any pool."""
    return await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )


async def _admin(*statements: str) -> None:
    conn = await _connect(_server())
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def admin_value(query: str, *args: object) -> object:
    """One value from the server's admin database (``pg_locks``, ``pg_stat_activity``,
    ``pg_terminate_backend``), for tests that watch or end other processes' sessions."""
    conn = await _connect(_server())
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def leader_session(url: str) -> int | None:
    """The server process (pid) holding Pembina's leader lock in ``url``'s database."""
    from storage import advisory

    pid = await admin_value(
        "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
        "AND l.classid = $1 AND l.objid = $2 AND d.datname = $3",
        advisory.CLASS,
        advisory.LEADER,
        make_url(url).database,
    )
    return pid if isinstance(pid, int) else None


def _drop_template() -> None:
    run_apart(_admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))


async def _make_template() -> None:
    await _admin(
        f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)', f'CREATE DATABASE "{_TEMPLATE}"'
    )
    database = Database(url_of(_TEMPLATE))
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def run_apart(coro: object) -> None:
    """Run setup work on a loop of its own, in a thread (fixtures may be called inside a
    running loop)."""
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def new_database() -> str:
    """Create an empty, migrated database and return its URL (the caller drops it)."""
    global _template_ready
    if not _template_ready:
        run_apart(_make_template())
        _template_ready = True
        atexit.register(_drop_template)
    name = f"t_{_WORKER}_{uuid.uuid4().hex[:12]}"
    run_apart(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"'))
    return url_of(name)


def empty_database() -> str:
    """Create a database with no schema at all and return its URL (the caller drops it):
    what an operator's ``pembina migrate`` meets on a first deploy."""
    name = f"e_{_WORKER}_{uuid.uuid4().hex[:12]}"
    run_apart(_admin(f'CREATE DATABASE "{name}"'))
    return url_of(name)


def drop_database(url: str) -> None:
    """Drop a database made by :func:`new_database` or :func:`empty_database`, closing
    whatever still uses it."""
    name = make_url(url).database
    run_apart(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def fresh_database() -> Iterator[str]:
    url = new_database()
    try:
        yield url
    finally:
        drop_database(url)


def postgres_only(reason: str) -> pytest.MarkDecorator:
    """Skip a test of several processes sharing one server when no server is given."""
    return pytest.mark.skipif(
        SERVER is None, reason=f"PostgreSQL only (PEMBINA_TEST_POSTGRES unset): {reason}"
    )


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip a test of SQLite's own behaviour (pragmas, file bytes) on the PostgreSQL leg."""
    return pytest.mark.skipif(SERVER is not None, reason=f"SQLite only: {reason}")


async def table_text(url: str) -> bytes:
    """Every row of every table of database ``url`` as text: what a query could still read.

    The PostgreSQL counterpart of reading a SQLite file's bytes in the erasure tests. It
    covers what SQL can reach; old row versions in the heap until VACUUM, and the WAL,
    are the server's (docs/architecture.md, Personal data).
    """
    conn = await _connect(make_url(url))
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'"
        )
        parts: list[bytes] = []
        for table in tables:
            rows = await conn.fetch(f"SELECT CAST(t AS text) AS row FROM {table['name']} t")
            parts.extend(row["row"].encode() for row in rows)
        return b"\n".join(parts)
    finally:
        await conn.close()


async def stored_bytes(db_url: str) -> bytes:
    """What the database holds, to search for a secret: a SQLite file with its WAL and
    shared-memory files, or a PostgreSQL database's rows (:func:`table_text`)."""
    if make_url(db_url).get_backend_name() != "sqlite":
        return await table_text(db_url)
    path = Path(db_url.split("///", 1)[1])
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())
