"""CPU per update: Pembina beside a bare python-telegram-bot echo bot, in the same run.

Two bots, each in its own process so its CPU (``/proc/<pid>/stat`` utime + stime, all
threads) is its own, each polling its own Telegram double (flood control off):

- **echo**: a bare PTB 22 ``Application`` (its own ``Updater``) that answers every message
  with one message, and every button press with ``answerCallbackQuery`` and one message;
- **pembina**: the real ``pembina run``, on a database seeded with real people (a roster
  imported, everyone joined by invite, a programme, each mentee paired with a mentor who
  accepted, and a reflection written up to its summary through the chat).

Then ``--rounds`` rounds of ``--people`` updates (one per mentee, ``--in-flight`` at once)
of each kind alternate between the two bots (echo, pembina, echo, ...) to even out the
noise of a shared machine:

- ``/help``;
- a reflection button press (``rf:edit:<id>:0``: answer question 1 again; a write);
- a reflection answer (the text answering that question; a write, then the summary);
- ``/progres`` (a mentee's own figures: a read of their programmes and facts).

A round ends when every reply arrived, and (Pembina) every inbox row is done, and the
process's CPU stopped moving. Printed per kind: CPU ms per update for both, the ratio,
and for Pembina the SQL statements and transactions per update (counted by a SQLAlchemy
``before_cursor_execute`` / ``begin`` listener that this script installs in the Pembina
process; production code has none. It runs during the timed rounds: a counter increment
per statement, microseconds against milliseconds; a statement run alone in autocommit is
no transaction). The first ``/help`` of each person sets
and stores their menu; later ones find it set (a few per cent of the help rounds' figure).

    python bench/update_cost.py [--people 200] [--rounds 3] [--in-flight 20]
                                [--db sqlite|postgres] [--statements] [--kinds help ...]

``--db postgres`` needs ``PEMBINA_TEST_POSTGRES`` (a server URL; a fresh database is made
and dropped). ``--profile FILE`` writes a cProfile of the Pembina process's main thread
(``.prof``, in CPU seconds of that thread).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.telegram_double import RateLimits, TelegramDouble  # noqa: E402

ADMIN = 5_000_000
FIRST_MENTEE = 5_100_000
FIRST_MENTOR = 5_050_000
PROGRAMME = "Bench 2027"
KINDS = ("help", "press", "answer", "progres")
SCRIPT = str(Path(__file__).resolve())
TICKS = os.sysconf("SC_CLK_TCK")
NOT_COUNTED = frozenset({"getupdates", "getme", "setmycommands", "deletewebhook", "setwebhook"})


# ------------------------------------------------------------------ the bot processes


def serve_echo() -> None:
    """The bare bot: one reply per message, an answer and one message per button press."""
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

    async def on_message(update: Update, _context: Any) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "?")

    async def on_press(update: Update, _context: Any) -> None:
        query = update.callback_query
        assert query is not None
        assert update.effective_chat is not None
        await query.answer()
        await update.effective_chat.send_message(query.data or "?")

    app = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, on_message))
    app.add_handler(CallbackQueryHandler(on_press))
    app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=10)


def serve_pembina(counts_file: str, profile: str | None) -> None:
    """``pembina run`` with statement counting; SIGUSR1 writes the counts to ``counts_file``."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bot.cli import main

    counts: Counter[str] = Counter()
    texts: Counter[str] = Counter()

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(*args: Any) -> None:
        statement = str(args[2])
        if statement.startswith("BEGIN"):  # SQLite's explicit BEGIN: counted as a transaction
            return
        counts["statements"] += 1
        texts[" ".join(statement.split())[:90]] += 1

    @event.listens_for(Engine, "begin")
    def _begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("pembina_alone") or options.get("isolation_level") == "AUTOCOMMIT":
            return  # statements in autocommit (Database.read_alone / write_alone): no BEGIN
        counts["transactions"] += 1

    def dump(*_args: Any) -> None:
        data = {"counts": dict(counts), "texts": dict(texts)}
        Path(counts_file + ".tmp").write_text(json.dumps(data))
        os.replace(counts_file + ".tmp", counts_file)

    signal.signal(signal.SIGUSR1, dump)
    if profile is None:
        sys.exit(main(["run"]))
    import cProfile

    # The main thread's CPU time, not the wall clock: on a shared machine the wall clock
    # charges whatever call was running when the process lost its core (a socket send,
    # a wake-up of aiosqlite's thread) with the time others ran.
    profiler = cProfile.Profile(time.thread_time)
    signal.signal(signal.SIGUSR2, lambda *_: profiler.enable())
    try:
        code = main(["run"])
    finally:
        profiler.disable()
        profiler.dump_stats(profile)
    sys.exit(code)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (every thread), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Bot:
    """One bot process, its double, and what it said."""

    name: str
    double: TelegramDouble
    process: asyncio.subprocess.Process | None = None
    replies: Counter[int] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)
    updates: Counter[str] = field(default_factory=Counter)

    def hook(self, stage: str, method: str, params: dict[str, Any], _result: Any) -> None:
        if stage != "response" or method in NOT_COUNTED:
            return
        if method == "answercallbackquery":
            return
        self.replies[int(params.get("chat_id") or 0)] += 1

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


async def start_process(
    bot: Bot, args: list[str], env: dict[str, str], log: Path, script: str = SCRIPT
) -> None:
    with log.open("wb") as out:
        bot.process = await asyncio.create_subprocess_exec(
            sys.executable, script, *args, env=env, stdout=out, stderr=out
        )


def mentees(bots: tuple[Bot, ...], people: int) -> dict[str, list[Any]]:
    """The seeded mentees as users of each bot's double, by bot name."""
    return {
        bot.name: [bot.double.user(FIRST_MENTEE + n, first_name=f"P{n}") for n in range(people)]
        for bot in bots
    }


async def start_pair(
    echo: Bot,
    pembina: Bot,
    db_url: str,
    workdir: Path,
    pembina_args: list[str],
    script: str = SCRIPT,
) -> None:
    """Both bots as processes of their own, each polling its double; ``script`` serves
    Pembina with ``pembina_args`` (the echo bot is always this script's)."""
    base = {**os.environ, "PYTHONPATH": str(REPO), "PEMBINA_LOG_LEVEL": "WARNING"}
    for bot in (echo, pembina):
        bot.double.on_call(bot.hook)
    await start_process(
        echo,
        ["--serve-echo"],
        {
            **base,
            "TELEGRAM_BOT_TOKEN": echo.double.token,
            "TELEGRAM_API_BASE_URL": echo.double.base_url,
        },
        workdir / "echo.log",
    )
    await start_process(
        pembina,
        pembina_args,
        {
            **base,
            "TELEGRAM_BOT_TOKEN": pembina.double.token,
            "TELEGRAM_API_BASE_URL": pembina.double.base_url,
            "DATABASE_URL": db_url,
            "PEMBINA_ADMIN_IDS": str(ADMIN),
        },
        workdir / "pembina.log",
        script,
    )


async def stop_process(bot: Bot) -> None:
    if bot.process is not None and bot.process.returncode is None:
        bot.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.process.wait(), 60)


# ------------------------------------------------------------------ the world


def roster_csv(people: int) -> tuple[str, list[str], list[str]]:
    """A coordinator, a supervisor, a mentor for every three mentees, ``people`` mentees
    (each with their roster mentor). Returns the CSV and the mentors' and mentees' NIPs."""
    lines = ["nip,name,role,unit,supervisor_nip,mentor_nip,timezone,language"]
    boss = "197102031998031002"
    lines.append("197805122003122001,Koordinator Bench,coordinator,BKPSDM,,,WIB,id")
    lines.append(f"{boss},Atasan Bench,supervisor,Bidang SDM,,,WIB,id")
    mentors = [f"19820914200801{n // 1000 + 1}{n % 1000:03d}" for n in range((people + 2) // 3)]
    mentees = [f"19950317202012{n // 1000 + 1}{n % 1000:03d}" for n in range(people)]
    for n, nip in enumerate(mentors):
        lines.append(f"{nip},Mentor {n},mentor,Bidang SDM,{boss},,WIB,id")
    for n, nip in enumerate(mentees):
        lines.append(f"{nip},Peserta {n},mentee,Bidang SDM,{boss},{mentors[n // 3]},WIB,id")
    return "\n".join(lines) + "\n", mentors, mentees


async def seed(db_url: str, people: int) -> None:
    """Roster, everyone bound to Telegram by their invite, a programme, pairs accepted."""
    from bot.clock import SystemClock
    from bot.flows import identity, onboarding, pairing, programmes
    from bot.flows.programmes import NewProgramme
    from bot.flows.roster_import import import_roster, validate_roster
    from bot.flows.services import Services
    from storage import pairings
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(db_url)
    await upgrade(db)
    svc = Services(db=db, clock=SystemClock(), admin_ids=frozenset({ADMIN}))
    text, mentors, mentees = roster_csv(people)
    report = await import_roster(svc, await validate_roster(svc, text))
    ids = {nip: FIRST_MENTEE + n for n, nip in enumerate(mentees)}
    ids.update({nip: FIRST_MENTOR + n for n, nip in enumerate(mentors)})
    for person, invite in report.invites:
        if person.nip in ids:
            redeemed = await onboarding.redeem_invite(svc, invite.code, ids[person.nip])
            assert redeemed.person is not None, redeemed
    today = svc.clock.now().date()
    created = await programmes.create(
        svc,
        NewProgramme(
            name=PROGRAMME,
            kind="perubahan",
            starts_on=today - timedelta(days=21),
            ends_on=today + timedelta(days=90),
            reflection_weekday=4,
            member_nips=tuple(mentors + mentees),
        ),
    )
    assert created.programme is not None, created.problems
    plan = await pairing.apply(svc, None, created.programme)
    assert plan is not None
    async with db.read() as conn:
        offers = await pairings.of_programme(conn, created.programme.id)
    mentor_tid = {p.id: ids[p.nip] for p, _ in report.invites if p.nip in ids}
    for offer in offers:
        viewer = await identity.who(svc, mentor_tid[offer.mentor_id])
        await pairing.respond(svc, viewer, offer.id, accept=True)
    await db.dispose()
    print(f"seeded: {len(mentees)} mentees, {len(mentors)} mentors, {len(offers)} pairs")


# ------------------------------------------------------------------ driving


@dataclass
class Kind:
    """One kind of update: how each mentee sends it."""

    name: str
    send: Callable[[Any, dict[int, str]], Any]


async def _help(user: Any, _data: dict[int, str]) -> None:
    await user.send_text("/help")


async def _press(user: Any, data: dict[int, str]) -> None:
    await user.press_data(1, data[user.user_id])


async def _answer(user: Any, _data: dict[int, str]) -> None:
    await user.send_text("Saya menata ulang alur layanan bersama tim minggu ini.")


async def _progres(user: Any, _data: dict[int, str]) -> None:
    await user.send_text("/progres")


SENDERS = {"help": _help, "press": _press, "answer": _answer, "progres": _progres}


async def wait_for(bot: Bot, before: dict[int, int], users: list[Any], done: Any) -> None:
    """Every user got at least one more reply, ``done`` holds, and the CPU stopped moving."""
    deadline = time.monotonic() + 300
    while not all(bot.replies[u.user_id] > before.get(u.user_id, 0) for u in users):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{bot.name}: replies missing")
        await asyncio.sleep(0.01)
    while not await done():  # noqa: ASYNC110 - a database row, not an event of ours
        await asyncio.sleep(0.02)
    await cpu_settled(bot.pid)


async def cpu_settled(pid: int, interval: float = 0.15) -> None:
    """Wait until the process's CPU stopped moving (its last writes, the done marks)."""
    last = cpu_seconds(pid)
    while True:
        await asyncio.sleep(interval)
        now = cpu_seconds(pid)
        if now == last:
            return
        last = now


async def one_round(
    bot: Bot, kind: str, users: list[Any], data: dict[int, str], done: Any, in_flight: int
) -> None:
    """Every user sends one update of ``kind``, ``in_flight`` at a time (a wave waits for
    the replies of the one before)."""
    start = cpu_seconds(bot.pid)
    for first in range(0, len(users), in_flight):
        wave = users[first : first + in_flight]
        before = dict(bot.replies)
        await asyncio.gather(*(SENDERS[kind](u, data) for u in wave))
        await wait_for(bot, before, wave, done)
    bot.cpu[kind] = bot.cpu.get(kind, 0.0) + cpu_seconds(bot.pid) - start
    bot.updates[kind] += len(users)


async def inbox_done_check(db_url: str) -> Callable[[], Any]:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.schema import inbox

    db = Database(db_url)

    async def done() -> bool:
        async with db.read() as conn:
            waiting = await conn.execute(
                select(func.count()).select_from(inbox).where(inbox.c.done_at.is_(None))
            )
            return not waiting.scalar()

    done.db = db  # type: ignore[attr-defined]
    return done


def read_counts(bot: Bot, path: Path) -> dict[str, Any]:
    if path.exists():
        path.unlink()
    bot.process.send_signal(signal.SIGUSR1)  # type: ignore[union-attr]
    deadline = time.monotonic() + 10
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no counts from the Pembina process")
        time.sleep(0.01)
    return json.loads(path.read_text())


async def prepare_reflections(users: list[Any]) -> dict[int, str]:
    """Each mentee writes this week's reflection up to its summary, through the chat;
    returns the callback data of "edit answer 1" on each summary."""
    for user in users:
        user.unread()
    await asyncio.gather(*(user.send_text("/refleksi") for user in users))
    data: dict[int, str] = {}
    seen: dict[int, int] = {}
    pending = list(users)
    deadline = time.monotonic() + 600
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"reflections not prepared: {pending[0].last_message}")
        await asyncio.sleep(0.2)
        left = []
        for user in pending:
            last = user.last_message
            buttons = [b.get("callback_data", "") for b in (last.buttons if last else [])]
            edits = [b for b in buttons if b.startswith("rf:edit:")]
            if edits:
                data[user.user_id] = edits[0]
                continue
            left.append(user)
            if last is None or seen.get(user.user_id) == last.message_id:
                continue
            seen[user.user_id] = last.message_id
            weeks = [b for b in buttons if b.startswith("rf:week:")]
            if weeks:
                await user.press_data(last.message_id, weeks[0])
            else:
                await user.send_text("3")  # every question takes it, the hours one too
        pending = left
    return data


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pembina-bench-cost-"))
    if args.db == "postgres":
        from tests import postgres

        db_url = await asyncio.to_thread(postgres.new_database)
    else:
        db_url = f"sqlite+aiosqlite:///{workdir / 'cost.db'}"
    await seed(db_url, args.people)
    off = RateLimits(enabled=False)
    counts_file = workdir / "counts.json"
    async with TelegramDouble(rate_limits=off) as echo_tg, TelegramDouble(rate_limits=off) as tg:
        echo, pembina = Bot("echo", echo_tg), Bot("pembina", tg)
        profile = ["--profile", args.profile] if args.profile else []
        await start_pair(
            echo, pembina, db_url, workdir, ["--serve-pembina", str(counts_file), *profile]
        )
        done = await inbox_done_check(db_url)

        async def echo_done() -> bool:
            return True

        try:
            users = mentees((echo, pembina), args.people)
            data = await prepare_reflections(users["pembina"])
            # warm up: one of each kind, both bots (imports, caches, connections)
            for kind in KINDS:
                for bot, check in ((echo, echo_done), (pembina, done)):
                    await one_round(bot, kind, users[bot.name][:20], data, check, 20)
            for bot in (echo, pembina):
                bot.cpu.clear()
                bot.updates.clear()
            if args.profile:
                pembina.process.send_signal(signal.SIGUSR2)  # type: ignore[union-attr]
            counted: dict[str, Counter[str]] = {}
            for _round in range(args.rounds):  # a press, then its answer: both write
                for kind in args.kinds:
                    await one_round(echo, kind, users["echo"], data, echo_done, args.in_flight)
                    first = read_counts(pembina, counts_file)
                    await one_round(pembina, kind, users["pembina"], data, done, args.in_flight)
                    second = read_counts(pembina, counts_file)
                    tally = counted.setdefault(kind, Counter())
                    for key in ("statements", "transactions"):
                        tally[key] += second["counts"].get(key, 0) - first["counts"].get(key, 0)
                    if args.statements and _round == 0:
                        print(f"-- statements of one {kind} round (per update):")
                        for text, n in second["texts"].items():
                            extra = n - first["texts"].get(text, 0)
                            if extra:
                                print(f"   {extra / len(users['pembina']):5.2f}  {text}")
        finally:
            await stop_process(echo)
            await stop_process(pembina)
            await done.db.dispose()  # type: ignore[attr-defined]
    print(
        f"database: {args.db}; {args.people} updates a round, {args.in_flight} at once, "
        f"{args.rounds} rounds a bot"
    )
    print(f"{'kind':8} {'echo ms':>8} {'pembina ms':>11} {'ratio':>6} {'stmts':>6} {'txns':>5}")
    for kind in args.kinds:
        e = 1000 * echo.cpu[kind] / echo.updates[kind]
        p = 1000 * pembina.cpu[kind] / pembina.updates[kind]
        n = pembina.updates[kind]
        statements = counted[kind]["statements"] / n
        transactions = counted[kind]["transactions"] / n
        print(f"{kind:8} {e:8.2f} {p:11.2f} {p / e:6.2f} {statements:6.1f} {transactions:5.1f}")
    if args.db == "postgres":
        from tests import postgres

        await asyncio.to_thread(postgres.drop_database, db_url)
    shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200, help="updates a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--in-flight", type=int, default=20, help="updates sent at once (a wave), default 20"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--kinds",
        nargs="+",
        choices=KINDS,
        default=list(KINDS),
        help="(press and answer go together)",
    )
    parser.add_argument("--statements", action="store_true", help="list Pembina's statements")
    parser.add_argument("--profile", help="write a cProfile of the Pembina rounds here")
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-pembina", metavar="COUNTS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        args.profile = os.path.abspath(args.profile)
    if args.serve_echo:
        serve_echo()
    elif args.serve_pembina:
        serve_pembina(args.serve_pembina, args.profile)
    else:
        if args.db == "postgres" and not os.environ.get("PEMBINA_TEST_POSTGRES"):
            parser.error("--db postgres needs PEMBINA_TEST_POSTGRES (a server URL)")
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
