"""Export benchmark: a province's year of evidence as files, and the chat while they build.

Seeds N mentees (default 10 000) straight into SQLite with a year of history: weekly
approved reflections (``bench/province.py``, four weeks in five) and a confirmed monthly
mentoring session each. Then, for each export in :data:`EXPORTS`, in a fresh process so
the figures are its own: seconds to read the data, seconds to build the file, the file's
size, the growth of peak RSS while building (``ru_maxrss``; 0 when reading the data
peaked higher), the process's peak RSS, and the peak of Python allocations while building
(``tracemalloc``, a second build: tracing slows it down).
Last, the real bot (``pembina run`` against the Telegram double, as ``bench/inbox.py``)
answers other people's ``/help``, one every 0.25 s, first with nothing else to do
(baseline), then while the coordinator's ``/ledgerjp`` and then ``/laporan`` are built:
p50/p95/max reply latency of each, and how long each export took from the status message
to "sent".

    python bench/export.py --people 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from inbox import bot_process  # bench/inbox.py (scripts run from bench/)
from province import NOW, seed  # bench/province.py
from sqlalchemy import insert, select

from bot import event_loop
from bot.clock import FixedClock
from bot.exports import ledger_files, report_files
from bot.flows import ledger, report
from bot.flows.services import Services
from bot.telegram_double import TelegramDouble
from storage.db import Database
from storage.migrate import upgrade
from storage.schema import mentoring_sessions, people, programmes

YEAR = 2026
COORDINATOR = 9_999_999  # province.seed's coordinator
OTHERS = 2_000_000  # Telegram ids of the people asking /help
MENTORS = 100
EVERY = 0.25  # seconds between two other people's /help
BASELINE = 40  # /help replies measured with no export running

Builder = Callable[[], bytes]
Export = Callable[[Services], Awaitable[Builder]]  # reads (async), returns the file's builder


async def ledger_xlsx(svc: Services) -> Builder:
    found = await ledger.coordinator_ledger(svc, YEAR)
    return partial(ledger_files.ledger_xlsx, found, "id")


async def ledger_csv(svc: Services) -> Builder:
    found = await ledger.coordinator_ledger(svc, YEAR)
    return partial(ledger_files.ledger_csv, found, "id")


async def report_xlsx(svc: Services) -> Builder:
    """The seeded programme's report as its coordinator gets it (counting is the read)."""
    async with svc.db.read() as conn:
        name = (await conn.execute(select(programmes.c.name))).scalars().first()
    assert name is not None
    found = await report.coordinator_report(svc, name)
    assert found is not None
    return partial(report_files.report_xlsx, found, "id")


# ---- More exports go here: one function each, and one row in EXPORTS. ----------------------
EXPORTS: dict[str, Export] = {
    "JP ledger XLSX": ledger_xlsx,
    "JP ledger CSV": ledger_csv,
    "Programme report": report_xlsx,
}
# What the coordinator asks for in chat while other people's /help is timed.
IN_CHAT = (f"/ledgerjp {YEAR}", "/laporan")


async def add_sessions(db: Database, mentees: int) -> None:
    """A hundred mentors and one confirmed session a month for every mentee in ``YEAR``."""
    async with db.write() as conn:
        programme = (await conn.execute(select(programmes.c.id))).scalar_one()
        ids = list(
            (
                await conn.execute(
                    select(people.c.id).where(people.c.name.like("Mentee %")).order_by(people.c.id)
                )
            ).scalars()
        )[:mentees]
        first = max(ids) + 1
        await conn.execute(
            insert(people),
            [
                {"id": first + m, "name": f"Mentor {m}", "unit": "Widyaiswara",
                 "timezone": "Asia/Jakarta", "language": "id", "created_at": NOW,
                 "updated_at": NOW}
                for m in range(MENTORS)
            ],
        )  # fmt: skip
        for chunk in range(0, len(ids), 1000):
            rows = [
                {"programme_id": programme, "mentor_id": first + n % MENTORS,
                 "mentee_id": mentee, "held_on": date(YEAR, month, 1 + n % 28), "minutes": 90,
                 "topic": "Proyek perubahan", "mode": "offline",
                 "logged_by_id": first + n % MENTORS, "confirmed_at": NOW, "created_at": NOW}
                for n, mentee in enumerate(ids[chunk : chunk + 1000], start=chunk)
                for month in range(1, 13)
            ]  # fmt: skip
            await conn.execute(insert(mentoring_sessions), rows)


async def build_database(path: Path, size: int) -> float:
    """The seeded database; returns the seconds it took."""
    started = time.perf_counter()
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    await seed(db, size)
    await add_sessions(db, size)
    await db.dispose()
    return time.perf_counter() - started


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


async def measure(db_file: Path, name: str) -> dict[str, Any]:
    """One export, in this (fresh) process: read, build, build again under tracemalloc."""
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    svc = Services(db=db, clock=FixedClock(NOW))
    started = time.perf_counter()
    build = await EXPORTS[name](svc)
    read = time.perf_counter() - started
    await db.dispose()
    rss_before = _rss_mb()
    started = time.perf_counter()
    data = build()
    built = time.perf_counter() - started
    rss_growth = _rss_mb() - rss_before
    size = len(data)
    del data
    tracemalloc.start()
    build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "read_s": read,
        "build_s": built,
        "mb": size / 1024 / 1024,
        "rss_growth_mb": rss_growth,
        "traced_peak_mb": peak / 1024 / 1024,
        "rss_peak_mb": _rss_mb(),
    }


def measure_in_child(db_file: Path, name: str) -> dict[str, Any]:
    """:func:`measure` in its own process, so one export's memory is not another's."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--db", str(db_file)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    )
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


class Replies:
    """Double hook: when each chat first got a message, and the export's milestones."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.documents: list[float] = []
        self.edits: list[str] = []

    def __call__(self, stage: str, method: str, params: dict[str, Any], result: Any) -> None:
        if stage != "response":
            return
        chat = int(params.get("chat_id") or 0)
        if method == "sendmessage":
            self.first.setdefault(chat, time.monotonic())
        elif method == "senddocument":
            self.documents.append(time.monotonic())
        elif method == "editmessagetext" and chat == COORDINATOR:
            self.edits.append(str(params.get("text")))


async def _ask_help(
    double: TelegramDouble, replies: Replies, first_id: int, until: Callable[[], bool], most: int
) -> list[float]:
    """Other people's /help, one every ``EVERY`` s until ``until()`` (at most ``most``);
    returns each one's reply latency once all are answered."""
    queued: dict[int, float] = {}
    for n in range(most):
        if until():
            break
        user = double.user(first_id + n, first_name=f"P{n}")
        queued[user.user_id] = time.monotonic()
        await user.send_text("/help")
        await asyncio.sleep(EVERY)
    await double.wait_until(lambda: all(u in replies.first for u in queued), timeout=600)
    return sorted(replies.first[u] - queued[u] for u in queued)


async def chat_latency(db_file: Path, workdir: Path) -> dict[str, Any]:
    """Reply latency of other people with no export running, then while each export of
    :data:`IN_CHAT` is built in turn."""
    replies = Replies()
    found: dict[str, Any] = {}
    async with TelegramDouble() as double, bot_process(double, db_file, workdir):
        warm = double.user(OTHERS - 1)
        await warm.send_text("/help")
        await warm.next_message(timeout=120)
        double.on_call(replies)
        found["baseline"] = await _ask_help(double, replies, OTHERS, lambda: False, BASELINE)
        coordinator = double.user(COORDINATOR, first_name="Koordinator")
        for number, command in enumerate(IN_CHAT, start=1):
            edits_before = len(replies.edits)
            asked = time.monotonic()
            await coordinator.send_text(command)
            await coordinator.next_message(timeout=120)  # the status message
            status_after = time.monotonic() - asked

            def sent(since: int = edits_before) -> bool:
                return any("dikirim" in e or "terlalu besar" in e for e in replies.edits[since:])

            during = await _ask_help(double, replies, OTHERS + 10_000 * number, sent, 2_000)
            await double.wait_until(sent, timeout=1200)
            found[command] = {
                "during": during,
                "status_s": status_after,
                "export_s": time.monotonic() - asked,
                "edits": len(replies.edits) - edits_before,
                "outcome": replies.edits[-1] if replies.edits else "",
            }
    return found


def _spread(latencies: list[float]) -> str:
    if not latencies:
        return "no replies measured"
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return (
        f"n={len(latencies):4d}  p50 {statistics.median(latencies) * 1000:6.0f} ms  "
        f"p95 {p95 * 1000:6.0f} ms  max {latencies[-1] * 1000:6.0f} ms"
    )


async def run(size: int, keep: bool, files: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-bench-export-"))
    db_file = workdir / "export.db"
    seeded = await build_database(db_file, size)
    print(f"mentees: {size}, year {YEAR}, seeded in {seeded:.1f} s ({db_file})")
    print(
        f"{'export':<18} {'read s':>7} {'build s':>8} {'file MB':>8} "
        f"{'RSS +MB':>8} {'peak RSS':>9} {'traced MB':>10}"
    )
    for name in EXPORTS if files else []:
        f = measure_in_child(db_file, name)
        print(
            f"{name:<18} {f['read_s']:7.1f} {f['build_s']:8.1f} {f['mb']:8.1f} "
            f"{f['rss_growth_mb']:8.0f} {f['rss_peak_mb']:9.0f} {f['traced_peak_mb']:10.0f}"
        )
    chat = await chat_latency(db_file, workdir)
    print(f"/help replies, nothing else running:  {_spread(chat['baseline'])}")
    for command in IN_CHAT:
        c = chat[command]
        print(f"/help replies, while {command} builds: {_spread(c['during'])}")
        print(
            f"{command}: status after {c['status_s']:.1f} s, done after {c['export_s']:.1f} s, "
            f"{c['edits']} status edits, last: {c['outcome']!r}"
        )
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--chat-only", action="store_true", help="skip the file figures")
    parser.add_argument("--measure", choices=list(EXPORTS), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(event_loop.run(measure(args.db, args.measure))))
        return
    event_loop.run(run(args.people, args.keep, not args.chat_only))


if __name__ == "__main__":
    main()
