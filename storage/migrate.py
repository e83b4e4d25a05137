"""Apply Alembic migrations from inside the program (no ini file, no shell-out)."""

from __future__ import annotations

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


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (idempotent, and safe to run from
    several processes at once: they take turns)."""
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
    script = ScriptDirectory.from_config(alembic_config(db.url))

    def _current(connection: Connection) -> tuple[str, ...]:
        return MigrationContext.configure(connection).get_current_heads()

    async with db.read() as conn:
        current = await conn.run_sync(_current)
    if set(current) == set(script.get_heads()):
        return []
    lower = current[0] if current else "base"
    return [rev.revision for rev in reversed(list(script.iterate_revisions("heads", lower)))]


async def schema_current(db: Database) -> bool:
    """Whether every migration is applied (a readiness probe asks this before traffic)."""
    return not await pending(db)
