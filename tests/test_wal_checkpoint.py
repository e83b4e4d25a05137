"""SQLite's WAL is checkpointed by a task of the Database's, never inside a commit.

SQLite's automatic checkpoint runs in the COMMIT that takes the WAL past 1 000 pages, with
the write lock held: in bench/tick.py that one commit took 300 ms of the Friday minute.
These tests write more than 1 000 pages in one transaction and look at the database file:
it must not grow in the commit (the pages wait in the WAL), and must grow once the
checkpoint task has run.
"""

from __future__ import annotations

from pathlib import Path

from storage.db import Database

PAGES = 1_500  # past SQLite's automatic checkpoint at 1 000 pages
PAGE_SIZE = 4_096


def _wal_size(path: Path) -> int:
    return path.with_name(f"{path.name}-wal").stat().st_size


async def _database(path: Path, delay: float) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    db.checkpoint_delay = delay
    async with db.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE filler (data BLOB)")
    assert db._checkpoint is not None
    await db._checkpoint  # the table is in the file: what follows is measured from here
    return db


async def _write_pages(db: Database) -> None:
    async with db.write() as conn:
        await conn.exec_driver_sql(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PAGES}) "
            f"INSERT INTO filler SELECT randomblob({PAGE_SIZE - 100}) FROM n"
        )


async def test_a_commit_leaves_its_pages_in_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "pembina.db"
    db = await _database(path, delay=0.0)
    db.checkpoint_delay = 3_600.0  # the task waits: only the commit could checkpoint now
    before = path.stat().st_size
    try:
        await _write_pages(db)
        waiting = db._checkpoint
        await _write_pages(db)
        assert path.stat().st_size == before
        assert _wal_size(path) > 2 * PAGES * PAGE_SIZE
        assert db._checkpoint is waiting  # one checkpoint for every write until it runs
    finally:
        await db.dispose()
    # Closing the last connection checkpoints what is left: nothing is lost by waiting.
    assert path.stat().st_size > before + 2 * PAGES * PAGE_SIZE


async def test_the_checkpoint_task_copies_the_pages_soon_after(tmp_path: Path) -> None:
    path = tmp_path / "pembina.db"
    db = await _database(path, delay=0.0)
    before = path.stat().st_size
    try:
        await _write_pages(db)
        assert db._checkpoint is not None
        await db._checkpoint
        assert path.stat().st_size > before + PAGES * PAGE_SIZE
        busy, frames, copied = await db.checkpoint()
        assert (busy, copied) == (0, frames)  # every frame was copied
        assert frames > PAGES
    finally:
        await db.dispose()
