"""Minute-tick benchmark: what the scheduler's every-minute run costs for a province.

Seeds N mentees on Telegram (WIB, WITA, WIT; 52 weeks of history, one in five missing
this week's reflection) and runs ``run_due_work`` at chosen minutes of a programme week:
an idle Thursday minute, the minutes the Friday reflection nudges open in WIT and in WIB
and the minute after each (when everyone due has been nudged), and the Monday digest.
Prints per minute the seconds (wall clock, and CPU of the whole process: SQLite works in
aiosqlite's thread, and on a busy machine the wall clock also counts waiting for a core),
the write transactions and the longest (people using the bot wait at most that long for
the write lock), the WAL checkpoint the minute leaves for the Database's own task, what
was queued (and until when the nudges waiting are planned: bot/flows/planning.py spreads
them over the day; nothing sends here), and the peak memory.
The tick runs in the bot's process every minute, so an idle minute must cost next to
nothing.

    python bench/tick.py --sizes 10000 100000
    python bench/tick.py --sizes 100000 --seed-cache /tmp/pembina-seeds  # seed once, reuse
    PEMBINA_TEST_POSTGRES=postgresql+asyncpg://... python bench/tick.py --db postgres --sizes 10000

``--db postgres`` runs on a database made for the run on that server (as the tests do,
``tests/postgres.py``) and drops it after; its CPU column is the bot's process only, not
the server's.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from province import seed  # bench/province.py (scripts run from bench/)
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import event_loop
from bot.clock import FixedClock
from bot.flows.services import Services
from bot.scheduler import run_due_work
from bot.timezones import local
from storage.db import Database
from storage.migrate import upgrade
from storage.schema import outbox

MINUTES = (
    ("Thursday 10:00 WIB (nothing due)", "2026-12-10T03:00:00+00:00"),
    ("Friday 09:00 WIT (nudges open)", "2026-12-11T00:00:00+00:00"),
    ("Friday 09:01 WIT", "2026-12-11T00:01:00+00:00"),
    ("Friday 09:00 WIB (and WITA since 08:00)", "2026-12-11T02:00:00+00:00"),
    ("Friday 09:01 WIB", "2026-12-11T02:01:00+00:00"),
    ("Monday 07:30 WIB (digests)", "2026-12-14T00:30:00+00:00"),
    ("Monday 07:31 WIB", "2026-12-14T00:31:00+00:00"),
)


class _TimedDatabase(Database):
    """The bot's database, timing each write transaction from asking for the write lock
    to its commit (nothing else writes here, so it is the time the lock is held)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.writes: list[float] = []

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        started = time.perf_counter()
        async with super().write() as conn:
            yield conn
        self.writes.append(time.perf_counter() - started)


async def _seeded(path: Path, size: int, cache: Path | None) -> _TimedDatabase:
    """A province of ``size`` mentees at ``path``, copied from ``cache`` when seeded there
    before (seeding 100 000 takes minutes), migrated to the current schema."""
    cached = cache / f"tick-seed-{size}.db" if cache else None
    if cached and cached.exists():
        shutil.copy(cached, path)
        db = _TimedDatabase(f"sqlite+aiosqlite:///{path}")
        await upgrade(db)
        return db
    db = _TimedDatabase(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    await seed(db, size, on_telegram=True)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        await db.dispose()  # the WAL checkpointed into the file before it is copied
        shutil.copy(path, cached)
        db = _TimedDatabase(f"sqlite+aiosqlite:///{path}")
    return db


async def _planned_until(db: Database) -> str:
    """When the last nudge waiting is planned to go (bot/flows/planning.py), in WIB."""
    async with db.read() as conn:
        last = await conn.scalar(
            select(func.max(outbox.c.not_before)).where(
                outbox.c.status == "pending", outbox.c.kind.like("nudge.%")
            )
        )
    return f"  (nudges planned until {local(last, 'Asia/Jakarta'):%H:%M} WIB)" if last else ""


async def _checkpoint_ms(db: Database) -> float:
    """The WAL checkpoint the minute's writes leave (SQLite): the Database runs it in a
    task of its own a second after a write, outside the write lock; timed here on its
    own, after the minute, to show what that task costs."""
    if not db.is_sqlite:
        return 0.0
    started = time.perf_counter()
    await db.checkpoint()
    return (time.perf_counter() - started) * 1000


async def run(size: int, cache: Path | None, postgres: str | None = None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-tick-"))
    if postgres:
        db = _TimedDatabase(postgres)
        await seed(db, size, on_telegram=True)
        async with db.engine.connect() as conn:  # what autovacuum does after a bulk load
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    else:
        db = await _seeded(workdir / "tick.db", size, cache)
    print(f"mentees: {size} ({db.engine.dialect.name})")
    print(f"  {'minute':40} {'wall':>7}   {'CPU':>5}    writes  longest  checkpoint  queued")
    for label, at in MINUTES:
        svc = Services(db=db, clock=FixedClock(datetime.fromisoformat(at)))
        db.writes.clear()
        started, cpu = time.perf_counter(), time.process_time()
        done = await run_due_work(svc)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        writes = f"{len(db.writes):5}  {max(db.writes, default=0) * 1000:5.0f} ms"
        writes += f"  {await _checkpoint_ms(db):6.0f} ms"
        queued = ", ".join(f"{kind} {n}" for kind, n in done.items() if n) or "nothing"
        print(
            f"  {label:40} {elapsed:7.2f} s {cpu:5.2f} s  {writes}  "
            f"{queued}{await _planned_until(db)}"
        )
    await db.dispose()
    shutil.rmtree(workdir)  # a 100 000-mentee database is most of a gigabyte
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--seed-cache", type=Path, help="keep each seeded province here and reuse it"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    for size in args.sizes:
        if args.db == "sqlite":
            event_loop.run(run(size, args.seed_cache))
            continue
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.postgres import drop_database, new_database

        url = new_database()  # migrated, from PEMBINA_TEST_POSTGRES's server
        try:
            event_loop.run(run(size, None, url))
        finally:
            drop_database(url)


if __name__ == "__main__":
    main()
