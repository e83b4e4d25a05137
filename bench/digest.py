"""Digest build benchmark: N mentees with 52 weeks of reflection history in SQLite.

Runs the Monday job itself (``digest.weekly`` at 07:31 WIB): every supervisor's digest
(100 mentees per supervisor) and one coordinator's programme-wide digest, built, recorded
and queued in the outbox with each unit's chart figures. Prints the seconds, the messages
queued, peak memory (of this process; the database is seeded in another, whose peak is
shown beside the seeding time), what the next minute's tick costs once everything is
sent, and how fast the bot answers people meanwhile (a mentee's /progres read through the
real flow, identity and progress, on the same database: p50/p95/max), for each size
given, so the growth shows. Wall seconds beside CPU seconds (``time.process_time``: the
event loop's and SQLite's thread, and the replies measured meanwhile), since the machine
may be shared. (Drawing a chart happens when it is sent: see ``bench/chart.py``.)

The reads start on a fixed schedule, 29 a second (``--replies``): the most replies
Telegram lets the bot send (``bot.send_limits.PER_SECOND``), so the most people it can be
answering at once; each read's latency counts from when it was due, so one held up behind
the digest shows it. (Until December 2026 each read started 5 ms after the last ended:
40-70 a second beside the digest, more than the bot could answer on Telegram, and a
third or more of the process's CPU.)

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
from contextlib import suppress
from pathlib import Path

from province import NOW, WEEKS, seed  # bench/province.py (scripts run from bench/)

from bot import event_loop
from bot.clock import FixedClock
from bot.flows import digest, identity, progress
from bot.flows.services import Services
from bot.send_limits import PER_SECOND
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
    supervisors = event_loop.run(made())
    return supervisors, time.perf_counter() - started


async def run(
    size: int, profile: str | None = None, cache: str | None = None, rate: float = PER_SECOND
) -> None:
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
    idle = sorted(await _replies(svc, size, quiet, rate))  # the same with nothing running
    running = asyncio.Event()
    replies = asyncio.create_task(_replies(svc, size, running, rate))
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


async def _replies(svc: Services, size: int, done: asyncio.Event, rate: float) -> list[float]:
    """What a mentee's /progres costs while the digest runs: who they are, then their
    figures and whom they mentor, through the flows the handler calls; ``rate`` a second
    until ``done``, each timed from when it was due (a read the loop could not start on
    time waited too)."""
    chosen = random.Random(size)
    found: list[float] = []

    async def one(telegram_id: int, due: float) -> None:
        viewer = await identity.who(svc, telegram_id)
        await progress.for_viewer(svc, viewer)
        found.append(time.perf_counter() - due)

    running: set[asyncio.Task[None]] = set()
    due = time.perf_counter()
    while not done.is_set():
        task = asyncio.create_task(one(20_000_000 + chosen.randrange(size), due))
        running.add(task)
        task.add_done_callback(running.discard)
        due += 1 / rate
        with suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), max(0.0, due - time.perf_counter()))
    await asyncio.gather(*running)
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
    parser.add_argument(
        "--replies",
        type=float,
        default=PER_SECOND,
        help="/progres reads started a second while the digest runs (default: the most "
        "replies Telegram lets the bot send)",
    )
    args = parser.parse_args()
    for size in args.sizes:
        event_loop.run(run(size, args.profile, args.seed_cache, args.replies))


if __name__ == "__main__":
    main()
