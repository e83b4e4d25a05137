"""Several webhook workers on PostgreSQL beside one process on SQLite.

Each configuration gets a fresh database and a fresh Telegram double with Telegram's
limits on (30 messages a second for the bot, 429 beyond). ``--people`` people each send
``/help`` at once; the script prints updates handled a second, p50/p95 reply latency (from
the update being queued at the double to its reply arriving) and 429s:

- ``sqlite x1``: one ``pembina run`` polling, the embedded default;
- ``postgres xN``: N ``pembina run --webhook`` workers behind a round-robin proxy.

Then the fan-out: ``--fanout`` messages queued in the outbox while three webhook workers
run; the leader sends them alone, paced by the send clock the processes share. It prints
messages a second as a share of the 30/s ceiling, and 429s.

Needs a PostgreSQL server: ``eval "$(bash .ci/postgres start)"`` exports
``PEMBINA_TEST_POSTGRES``.

    python bench/workers.py --people 1000 --workers 1 2 4 --fanout 1000
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' worker and proxy helpers

from inbox import bot_process  # noqa: E402  (bench/inbox.py; scripts run from bench/)

from bot.telegram_double import TelegramDouble  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from tests import postgres  # noqa: E402
from tests.e2e.webhook_worker import RoundRobin, Worker  # noqa: E402

FIRST = 4_000_000
CEILING = 30.0


class Replies:
    """A double hook: when each chat got its first reply."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}

    def __call__(self, stage: str, method: str, params: dict[str, Any], result: Any) -> None:
        if method == "sendmessage" and stage == "response":
            self.at.setdefault(int(params.get("chat_id") or 0), time.monotonic())


async def _burst(double: TelegramDouble, people: int) -> tuple[float, list[float]]:
    """Everyone sends /help at once; (updates a second, sorted latencies)."""
    warm = double.user(FIRST - 1)
    await warm.send_text("/help")
    await warm.next_message(timeout=120)
    replies = Replies()
    double.on_call(replies)
    users = [double.user(FIRST + n, first_name=f"P{n}") for n in range(people)]
    queued: dict[int, float] = {}
    started = time.monotonic()
    for user in users:
        queued[user.user_id] = time.monotonic()
        await user.send_text("/help")
    await double.wait_until(lambda: all(u.user_id in replies.at for u in users), timeout=900)
    finished = max(replies.at[u] for u in queued)
    return people / (finished - started), sorted(replies.at[u] - queued[u] for u in queued)


def _line(name: str, rate: float, latencies: list[float], too_many: int) -> None:
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"{name:<14} {rate:>8.1f} {statistics.median(latencies):>9.2f} {p95:>9.2f} {too_many:>6}",
        flush=True,
    )


async def sqlite_one(people: int, workdir: Path) -> None:
    async with TelegramDouble() as double:
        async with bot_process(double, workdir / "one.db", workdir):
            rate, latencies = await _burst(double, people)
        _line("sqlite x1", rate, latencies, double.stats["429"])


async def _workers(double: TelegramDouble, url: str, workdir: Path, count: int) -> list[Worker]:
    workers = []
    for i in range(count):
        folder = workdir / f"w{count}-{i}"
        folder.mkdir()
        worker = Worker(double, url, folder, max_connections=40)
        worker.args = ["--no-migrate"]
        worker.extra_env = {"PEMBINA_LOG_LEVEL": "WARNING"}
        workers.append(worker)
    return workers


async def postgres_n(people: int, count: int, workdir: Path) -> None:
    url = postgres.new_database()
    try:
        async with TelegramDouble() as double:
            workers = await _workers(double, url, workdir, count)
            proxy = RoundRobin(workers)
            async with proxy.running():
                for worker in workers:
                    worker.public_url = proxy.url
                    await worker.start(ready=False)
                try:
                    for worker in workers:
                        await worker.wait_ready(timeout=120)
                    rate, latencies = await _burst(double, people)
                finally:
                    for worker in workers:
                        await worker.stop()
            _line(f"postgres x{count}", rate, latencies, double.stats["429"])
    finally:
        postgres.drop_database(url)


async def fan_out(messages: int, workdir: Path) -> None:
    url = postgres.new_database()
    try:
        async with TelegramDouble() as double:
            for n in range(messages):
                double.open_chat(FIRST + n)
            workers = await _workers(double, url, workdir, 3)
            proxy = RoundRobin(workers)
            sends = Replies()
            double.on_call(sends)
            async with proxy.running():
                for worker in workers:
                    worker.public_url = proxy.url
                    await worker.start()
                try:
                    db = Database(url)
                    started = time.monotonic()
                    now = datetime.now(UTC)  # the workers run on the wall clock
                    async with db.write() as conn:
                        await outbox.enqueue_many(
                            conn,
                            [
                                outbox.row(
                                    dedup_key=f"bench:{n}",
                                    chat_id=FIRST + n,
                                    text=f"Pengingat {n}",
                                    now=now,
                                )
                                for n in range(messages)
                            ],
                        )
                    while True:
                        async with db.read() as conn:
                            counts = await outbox.counts(conn)
                        if not counts.get("pending") and not counts.get("sending"):
                            break
                        await asyncio.sleep(0.2)
                    took = time.monotonic() - started
                    await db.dispose()
                finally:
                    for worker in workers:
                        await worker.stop()
            rate = messages / took
            first, last = min(sends.at.values()), max(sends.at.values())
            paced = (messages - 1) / (last - first)
            print(
                f"fan-out: {messages} messages with 3 workers in {took:.1f} s from queueing "
                f"= {rate:.1f}/s ({100 * rate / CEILING:.0f} % of {CEILING:.0f}/s); first to "
                f"last send {paced:.1f}/s ({100 * paced / CEILING:.0f} %); "
                f"429s {double.stats['429']}",
                flush=True,
            )
    finally:
        postgres.drop_database(url)


async def run(people: int, counts: list[int], messages: int) -> None:
    if postgres.SERVER is None:
        sys.exit('PEMBINA_TEST_POSTGRES is not set: eval "$(bash .ci/postgres start)" first')
    workdir = Path(tempfile.mkdtemp(prefix="pembina-bench-workers-"))
    print(f"{people} people send /help at once; Telegram's limits on (30 messages/s)")
    print(f"{'bot':<14} {'updates/s':>8} {'p50 s':>9} {'p95 s':>9} {'429s':>6}")
    try:
        await sqlite_one(people, workdir)
        for count in counts:
            await postgres_n(people, count, workdir)
        if messages:
            await fan_out(messages, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--fanout", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.people, args.workers, args.fanout))


if __name__ == "__main__":
    main()
