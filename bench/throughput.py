"""Throughput: 1 000 people writing at once, each answered before they write again.

The same two bots as ``bench/update_cost.py`` (each its own process, polling its own
Telegram double with flood control off): a bare python-telegram-bot echo bot, and the
real ``pembina run`` on a database seeded with ``--people`` real mentees (a roster,
everyone joined by invite, a programme, each paired with a mentor).

Every person sends ``--each`` messages (``--text``, ``/help`` by default), each one only
after the reply to the one before arrived, as a person does; all of them at once. The bot
is then holding up to ``--people`` conversations at a time. Printed per bot: updates a
second from the first message to the last reply, reply latency (from a message being
queued at the double to its reply arriving) p50 / p95 / max, CPU ms per update, and
how busy this script's own process was meanwhile (the doubles and the people: near
100 % means the figure is this script's limit, not the bot's).

Pembina paces its replies at 29 a second, under Telegram's 30 messages a second for the
whole bot (``bot/send_limits.py``): with that pacing, 1 000 people at once are answered at
29 a second whatever the bot could do (``bench/inbox.py`` measures exactly that). To
measure what one process can *handle*, this script raises the pacing to
``--send-per-second`` (``build_application(send_per_second=...)``, the seam the load tests
use), which only Telegram's limit forbids. Run it with ``--send-per-second 29`` to see
the real bot's figures instead.

    python bench/throughput.py [--people 1000] [--each 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import update_cost  # bench/update_cost.py (scripts run from bench/)
from update_cost import cpu_seconds, cpu_settled, seed, serve_echo

from bot.telegram_double import RateLimits, TelegramDouble

SCRIPT = str(Path(__file__).resolve())


def serve_pembina(per_second: int) -> None:
    """``pembina run``, its replies paced at ``per_second``."""
    import bot.app
    from bot.cli import main

    bot.app.build_application = functools.partial(  # type: ignore[assignment]
        bot.app.build_application, send_per_second=per_second
    )
    sys.exit(main(["run"]))


@dataclass
class Bot(update_cost.Bot):
    """One bot process, its double, and an event per chat set when it is answered."""

    answered: dict[int, asyncio.Event] = field(default_factory=dict)

    def hook(self, stage: str, method: str, params: dict[str, Any], result: Any) -> None:
        chat = int(params.get("chat_id") or 0)
        before = self.replies[chat]
        super().hook(stage, method, params, result)
        event = self.answered.get(chat)
        if event is not None and self.replies[chat] > before:
            event.set()


async def person(bot: Bot, user: Any, text: str, each: int, latencies: list[float]) -> None:
    """One person: ``each`` messages, each after the reply to the one before."""
    event = bot.answered.setdefault(user.user_id, asyncio.Event())
    for _ in range(each):
        event.clear()
        sent = time.perf_counter()
        await user.send_text(text)
        await asyncio.wait_for(event.wait(), 600)
        latencies.append(time.perf_counter() - sent)


async def one_round(bot: Bot, users: list[Any], text: str, each: int) -> dict[str, float]:
    """Everyone at once; returns updates/s, latencies (ms) and CPU ms per update."""
    await cpu_settled(bot.pid)
    latencies: list[float] = []
    cpu, driver = cpu_seconds(bot.pid), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(person(bot, u, text, each, latencies) for u in users))
    elapsed = time.perf_counter() - started
    driver = time.process_time() - driver
    await cpu_settled(bot.pid)
    cpu = cpu_seconds(bot.pid) - cpu
    latencies.sort()
    count = len(latencies)
    return {
        "rate": count / elapsed,
        "p50": 1000 * latencies[count // 2],
        "p95": 1000 * latencies[min(count - 1, round(0.95 * (count - 1)))],
        "max": 1000 * latencies[-1],
        "cpu": 1000 * cpu / count,
        "driver": 100 * driver / elapsed,
    }


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-bench-throughput-"))
    db_url = f"sqlite+aiosqlite:///{workdir / 'throughput.db'}"
    await seed(db_url, args.people)
    off = RateLimits(enabled=False)
    results: dict[str, list[dict[str, float]]] = {"echo": [], "pembina": []}
    async with TelegramDouble(rate_limits=off) as echo_tg, TelegramDouble(rate_limits=off) as tg:
        echo, pembina = Bot("echo", echo_tg), Bot("pembina", tg)
        await update_cost.start_pair(
            echo, pembina, db_url, workdir, ["--serve-pembina", str(args.send_per_second)], SCRIPT
        )
        try:
            users = update_cost.mentees((echo, pembina), args.people)
            for bot in (echo, pembina):  # warm up: imports, connections, everyone's menu
                await one_round(bot, users[bot.name], args.text, 1)
            for _round in range(args.rounds):
                for bot in (echo, pembina):
                    results[bot.name].append(
                        await one_round(bot, users[bot.name], args.text, args.each)
                    )
        finally:
            await update_cost.stop_process(echo)
            await update_cost.stop_process(pembina)
    shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{args.people} people at once, {args.each} x {args.text!r} each (each after the "
        f"reply to the last), {args.rounds} rounds a bot; Pembina paced at "
        f"{args.send_per_second} replies/s"
    )
    print(
        f"{'bot':8} {'updates/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'CPU ms':>7} {'driver':>7}"
    )
    for name, rounds in results.items():
        for r in rounds:
            print(
                f"{name:8} {r['rate']:10.0f} {r['p50']:7.0f} {r['p95']:7.0f} {r['max']:7.0f} "
                f"{r['cpu']:7.2f} {r['driver']:6.0f}%"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--each", type=int, default=3, help="messages a person sends")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--text", default="/help")
    parser.add_argument(
        "--send-per-second",
        type=int,
        default=100_000,
        help="Pembina's reply pacing (29: as on Telegram; default: not limiting)",
    )
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-pembina", type=int, metavar="PACE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo()
    elif args.serve_pembina:
        serve_pembina(args.serve_pembina)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
