"""Apply Alembic migrations from inside the program (no ini file, no shell-out)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage import advisory
from storage.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations, built in code so installs need no ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


@cache
def _script() -> ScriptDirectory:
    """Our migration scripts, read once per process: they are this program's own files,
    which do not change under a running process."""
    return ScriptDirectory.from_config(alembic_config(""))


def heads() -> frozenset[str]:
    """The revisions a current schema is at (one, while the history is linear)."""
    return frozenset(_script().get_heads())


async def _current(db: Database) -> tuple[str, ...]:
    """The revisions the database says it is at (none on a database never migrated)."""

    def read(connection: Connection) -> tuple[str, ...]:
        return MigrationContext.configure(connection).get_current_heads()

    async with db.read() as conn:
        return await conn.run_sync(read)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (idempotent, and safe to run from
    several processes at once: they take turns).

    A schema already at the head is answered from one read of its version, without
    Alembic's environment (every start, and every test, asks this). Reading without the
    migration lock is safe: a version another migrator has not committed yet is not seen,
    so a schema still being migrated takes the locked path below and waits its turn.
    """
    if revision == "head" and set(await _current(db)) == heads():
        return
    cfg = alembic_config(db.url)

    def _upgrade(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with db.write() as conn:
        if not db.is_sqlite:
            # Before Alembic reads the current version: a second migrator (another
            # ``pembina migrate``, a second ``pembina run``) waits here until the first
            # commits, then finds nothing to do. SQLite's BEGIN IMMEDIATE already does this.
            await conn.execute(advisory.XACT_LOCK, advisory.key(advisory.MIGRATE))
        await conn.run_sync(_upgrade)


async def pending(db: Database) -> list[str]:
    """Revisions not yet applied, oldest first (empty when the schema is current)."""
    script = _script()
    current = await _current(db)
    if set(current) == heads():
        return []
    lower = current[0] if current else "base"
    return [rev.revision for rev in reversed(list(script.iterate_revisions("heads", lower)))]


async def schema_current(db: Database) -> bool:
    """Whether every migration is applied (a readiness probe asks this before traffic)."""
    return not await pending(db)
