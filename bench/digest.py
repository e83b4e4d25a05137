"""Digest build benchmark: N mentees with 52 weeks of reflection history in SQLite.

Runs the Monday job itself (``digest.weekly`` at 07:31 WIB): every supervisor's digest
(100 mentees per supervisor) and one coordinator's programme-wide digest, built, recorded
and queued in the outbox with each unit's chart figures. Prints the seconds, the messages
queued, peak memory (of this process; the database is seeded in another, whose peak is
shown beside the seeding time), what the next minute's tick costs once everything is sent, and how
fast the bot answers people meanwhile (a mentee's /progres read through the real flow,
identity and progress, on the same database every 5 ms: p50/p95/max), for each size
given, so the growth shows. Wall seconds beside CPU seconds (``time.process_time``: the
event loop's and SQLite's thread, and the replies measured meanwhile), since the machine
may be shared. (Drawing a chart happens when it is sent: see
``bench/chart.py``.)

    python bench/digest.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import random
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from province import NOW, WEEKS, seed  # bench/province.py (scripts run from bench/)

from bot.clock import FixedClock
from bot.flows import digest, identity, progress
from bot.flows.services import Services
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade


def _seed(url: str, size: int) -> tuple[int, float]:
    """Migrate and seed in a process of its own (the bot never holds a province's rows
    being made), so this process's peak RSS is the digest's: (supervisors, seconds)."""

    async def made() -> int:
        db = Database(url)
        await upgrade(db)
        supervisors = await seed(db, size, on_telegram=True)
        await db.dispose()
        return len(supervisors)

    started = time.perf_counter()
    supervisors = asyncio.run(made())
    return supervisors, time.perf_counter() - started


async def run(size: int, profile: str | None = None, cache: str | None = None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-digest-"))
    url = f"sqlite+aiosqlite:///{workdir / 'digest.db'}"
    cached = Path(cache) / f"digest-{size}.db" if cache else None
    if cached is not None and cached.exists():  # seeded before by this script, never run on
        shutil.copyfile(cached, workdir / "digest.db")
        supervisors, seeded = size // 100, 0.0
    else:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            supervisors, seeded = pool.submit(_seed, url, size).result()
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(workdir / "digest.db", cached)
    seed_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    db = Database(url)
    svc = Services(db=db, clock=FixedClock(NOW))
    quiet = asyncio.Event()
    asyncio.get_running_loop().call_later(2, quiet.set)
    idle = sorted(await _replies(svc, size, quiet))  # the same replies with nothing running
    running = asyncio.Event()
    replies = asyncio.create_task(_replies(svc, size, running))
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    recipients = await digest.weekly(svc)
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{size}")
    cpu = time.process_time() - cpu  # every thread of this process: the loop and SQLite's
    elapsed = time.perf_counter() - started
    running.set()
    latencies = sorted(await replies)
    started = time.perf_counter()
    again = await digest.weekly(svc)
    next_tick = time.perf_counter() - started
    async with db.read() as conn:
        queued = (await outbox.counts(conn)).get("pending", 0)
    await db.dispose()
    shutil.rmtree(workdir)  # a 100 000-mentee database is most of a gigabyte
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seeding = f"{seeded:.1f} s (peak RSS {seed_peak:.0f} MB)" if seeded else "cached"
    print(
        f"mentees: {size}, weeks: {WEEKS}, supervisors: {supervisors}, "
        f"seed: {seeding}, "
        f"digests: {recipients} built in {elapsed:.1f} s, CPU {cpu:.1f} s "
        f"({elapsed / size * 1000:.2f} ms, CPU {cpu / size * 1000:.2f} ms per mentee), "
        f"messages queued: {queued}, "
        f"next tick: {next_tick * 1000:.0f} ms ({again} more), peak RSS: {peak:.0f} MB, "
        f"replies meanwhile: {len(latencies)}, p50 {_at(latencies, 0.5):.0f} ms, "
        f"p95 {_at(latencies, 0.95):.0f} ms, max {_at(latencies, 1):.0f} ms "
        f"(idle: p50 {_at(idle, 0.5):.0f} ms, p95 {_at(idle, 0.95):.0f} ms)"
    )


async def _replies(svc: Services, size: int, done: asyncio.Event) -> list[float]:
    """What a mentee's /progres costs while the digest runs: who they are, then their
    figures, through the flows the handler calls; one every 5 ms until ``done``."""
    chosen = random.Random(size)
    found = []
    while not done.is_set():
        started = time.perf_counter()
        viewer = await identity.who(svc, 20_000_000 + chosen.randrange(size))
        await progress.for_mentee(svc, viewer)
        found.append(time.perf_counter() - started)
        await asyncio.sleep(0.005)
    return found


def _at(latencies: list[float], share: float) -> float:
    """The latency at ``share`` of the sorted list, in ms (0 when none)."""
    if not latencies:
        return 0.0
    return latencies[round(share * (len(latencies) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--profile", help="write the digest run's cProfile stats to FILE.<size>")
    parser.add_argument(
        "--seed-cache",
        help="keep each size's seeded database in this folder and start from a copy next "
        "time (delete it after a schema change)",
    )
    args = parser.parse_args()
    for size in args.sizes:
        asyncio.run(run(size, args.profile, args.seed_cache))


if __name__ == "__main__":
    main()
