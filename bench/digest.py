"""Digest build benchmark: N mentees with 52 weeks of reflection history in SQLite.

Runs the Monday job itself (``digest.weekly`` at 07:31 WIB): every supervisor's digest
(100 mentees per supervisor) and one coordinator's programme-wide digest, built, recorded
and queued in the outbox with each unit's chart figures. Prints the seconds, the messages
queued, peak memory, and what the next minute's tick costs once everything is sent, for
each size given, so the growth shows. (Drawing a chart happens when it is sent: see
``bench/chart.py``.)

    python bench/digest.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import tempfile
import time
from pathlib import Path

from province import NOW, WEEKS, seed  # bench/province.py (scripts run from bench/)

from bot.clock import FixedClock
from bot.flows import digest
from bot.flows.services import Services
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade


async def run(size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-digest-"))
    db = Database(f"sqlite+aiosqlite:///{workdir / 'digest.db'}")
    await upgrade(db)
    seed_started = time.perf_counter()
    supervisors = await seed(db, size)
    seeded = time.perf_counter() - seed_started
    svc = Services(db=db, clock=FixedClock(NOW))
    started = time.perf_counter()
    recipients = await digest.weekly(svc)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = await digest.weekly(svc)
    next_tick = time.perf_counter() - started
    async with db.read() as conn:
        queued = (await outbox.counts(conn)).get("pending", 0)
    await db.dispose()
    shutil.rmtree(workdir)  # a 100 000-mentee database is most of a gigabyte
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"mentees: {size}, weeks: {WEEKS}, supervisors: {len(supervisors)}, "
        f"seed: {seeded:.1f} s, digests: {recipients} built in {elapsed:.1f} s "
        f"({elapsed / size * 1000:.2f} ms per mentee), messages queued: {queued}, "
        f"next tick: {next_tick * 1000:.0f} ms ({again} more), peak RSS: {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    for size in parser.parse_args().sizes:
        asyncio.run(run(size))


if __name__ == "__main__":
    main()
