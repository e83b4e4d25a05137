"""Minute-tick benchmark: what the scheduler's every-minute run costs for a province.

Seeds N mentees on Telegram (WIB, WITA, WIT; 52 weeks of history, one in five missing
this week's reflection) and runs ``run_due_work`` at chosen minutes of a programme week:
an idle Thursday minute, the minutes the Friday reflection nudges open in WIT and in WIB
and the minute after each (when everyone due has been nudged), and the Monday digest.
Prints seconds and what was queued, per minute (and until when the nudges waiting are
planned: bot/flows/planning.py spreads them over the day; nothing sends here), and the
peak memory. The tick runs in the bot's process every minute, so an idle minute must cost
next to nothing.

    python bench/tick.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

from province import seed  # bench/province.py (scripts run from bench/)
from sqlalchemy import func, select

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


async def _planned_until(db: Database) -> str:
    """When the last nudge waiting is planned to go (bot/flows/planning.py), in WIB."""
    async with db.read() as conn:
        last = await conn.scalar(
            select(func.max(outbox.c.not_before)).where(
                outbox.c.status == "pending", outbox.c.kind.like("nudge.%")
            )
        )
    return f"  (nudges planned until {local(last, 'Asia/Jakarta'):%H:%M} WIB)" if last else ""


async def run(size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-tick-"))
    db = Database(f"sqlite+aiosqlite:///{workdir / 'tick.db'}")
    await upgrade(db)
    await seed(db, size, on_telegram=True)
    print(f"mentees: {size}")
    for label, at in MINUTES:
        svc = Services(db=db, clock=FixedClock(datetime.fromisoformat(at)))
        started = time.perf_counter()
        done = await run_due_work(svc)
        elapsed = time.perf_counter() - started
        queued = ", ".join(f"{kind} {n}" for kind, n in done.items() if n) or "nothing"
        print(f"  {label:40} {elapsed:7.2f} s  {queued}{await _planned_until(db)}")
    await db.dispose()
    shutil.rmtree(workdir)  # a 100 000-mentee database is most of a gigabyte
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    for size in parser.parse_args().sizes:
        asyncio.run(run(size))


if __name__ == "__main__":
    main()
