"""Three webhook workers on one PostgreSQL database behind a balancer, as deployed.

A thousand people answer a reflection at once while one worker is killed with SIGKILL and
started again; then the Friday 09:00 WIB tick queues the supervisors' digests and the
reflection nudges, and the leader is killed with SIGKILL in the middle of sending them.
Afterwards:

- every update the double delivered is stored once and handled once (its ``inbox`` row is
  done, and the person got exactly one reply to it);
- every answer is stored in its person's draft;
- every queued message is sent, and sent once, but for at most one duplicate per killed
  sender (the message in flight when it died);
- the double never answered 429: the workers share one send budget.

Before this issue a second process reset the first one's leases and double-sent, two
processes lost one of two answers, and each process ran its own scheduler and limiter.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.templates import TEMPLATES
from bot.telegram_double import TelegramDouble
from bot.telegram_double.limits import RateLimits
from storage import inbox, outbox, people, programmes
from storage.db import Database
from storage.pairings import ACTIVE, create_pairing
from storage.schema import inbox as inbox_table
from storage.schema import reflections as reflections_table
from tests import postgres
from tests.conftest import SPEC_PATH
from tests.e2e.webhook_worker import RoundRobin, Worker

PEOPLE = int(os.environ.get("PEMBINA_TEST_WORKER_PEOPLE", "1000"))
MAX_CONNECTIONS = 40
MENTORS = 50
SUPERVISORS = 10
FIRST_MENTEE = 3_000_000
# Thursday 10:00 WIB: people reflect; Friday 08:59:45 WIB: the 09:00 tick fans out.
THURSDAY = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 12, 11, 1, 59, 45, tzinfo=UTC)
LEADS = "Proses ini sekarang menjadi pemimpin"
STEPPED_DOWN = "Proses ini tidak lagi menjadi pemimpin"
ANSWER = "Minggu ini saya menyusun SOP layanan, peserta {n}."


SEEDED = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB, the programme's start


async def _person(conn: AsyncConnection, name: str, unit: int, role: str, telegram_id: int) -> int:
    return await people.insert_person(
        conn,
        nip=None,
        name=name,
        unit=f"Unit {unit}",
        timezone="Asia/Jakarta",
        language="id",
        roles=[role],
        now=SEEDED,
        telegram_id=telegram_id,
    )


async def _seed(db_url: str) -> None:
    """A programme begun this Monday, its mentees bound to Telegram and paired."""
    database = Database(db_url)
    try:
        async with database.write() as conn:
            programme = await programmes.create_programme(
                conn,
                name="Pembinaan 2026",
                kind="umum",
                starts_on=SEEDED.date(),
                ends_on=date(2027, 3, 26),
                reflection_weekday=4,
                questions=list(TEMPLATES["umum"].questions),
                unit_rule="any",
                now=SEEDED,
            )
            supervisors = [
                await _person(conn, f"Atasan {s}", s, "supervisor", 2_900_000 + s)
                for s in range(SUPERVISORS)
            ]
            mentors = []
            for m in range(MENTORS):
                mentor = await _person(
                    conn, f"Mentor {m}", m % SUPERVISORS, "mentor", 2_800_000 + m
                )
                await programmes.add_member(conn, programme, mentor, "mentor")
                mentors.append(mentor)
            for n in range(PEOPLE):
                unit = n % SUPERVISORS
                mentee = await _person(conn, f"Peserta {n}", unit, "mentee", FIRST_MENTEE + n)
                await people.update_person(conn, mentee, SEEDED, supervisor_id=supervisors[unit])
                await programmes.add_member(conn, programme, mentee, "mentee")
                await create_pairing(
                    conn,
                    programme_id=programme,
                    mentor_id=mentors[n % MENTORS],
                    mentee_id=mentee,
                    status=ACTIVE,
                    reason="seed",
                    now=SEEDED,
                )
    finally:
        await database.dispose()


def _workers(double: TelegramDouble, db_url: str, workdir: Path) -> list[Worker]:
    """Three workers whose digest falls on Friday 09:00, each in a folder of its own."""
    workers = []
    for i in range(3):
        folder = workdir / f"w{i}"
        folder.mkdir()
        worker = Worker(double, db_url, folder, max_connections=MAX_CONNECTIONS)
        worker.args = ["--no-migrate"]
        worker.extra_env = {"PEMBINA_DIGEST_DAY": "friday", "PEMBINA_DIGEST_TIME": "09:00"}
        workers.append(worker)
    return workers


def _leads(worker: Worker) -> bool:
    """Whether this process's last word on leadership is that it leads, and it lives."""
    if worker.process is None or worker.process.returncode is not None:
        return False
    log = (worker.workdir / "bot.log").read_text(encoding="utf-8", errors="replace")
    return log.rfind(LEADS) > log.rfind(STEPPED_DOWN)


async def _start_all(workers: list[Worker], at: datetime) -> None:
    for worker in workers:
        worker.at = at
        await worker.start(ready=False)
    for worker in workers:
        await worker.wait_ready()


async def _until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    detail: Callable[[], str] = lambda: "",
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what} {detail()}")
        await asyncio.sleep(0.1)


@pytest.mark.long
@postgres.postgres_only("several processes share one database only on PostgreSQL")
async def test_three_workers_lose_nothing_and_send_everything_once(
    db_url: str, tmp_path: Path
) -> None:
    await _seed(db_url)
    spec = SPEC_PATH if SPEC_PATH.exists() else None
    async with TelegramDouble(spec_path=spec, rate_limits=RateLimits()) as double:
        workers = _workers(double, db_url, tmp_path)
        proxy = RoundRobin(workers)
        for worker in workers:
            worker.public_url = proxy.url  # every worker registers the proxy's URL
        database = Database(db_url)
        try:
            async with proxy.running():
                await _reflect_at_once(double, workers, database)
                await _fan_out(double, workers, database)
        finally:
            for worker in workers:
                await worker.stop()
            await database.dispose()
        assert double.spec_violations == []
        assert double.stats["429"] == 0
        # Every message once, but for at most one in flight per killed sender.
        per_chat = Counter(
            (int(call.params["chat_id"]), str(call.params.get("text", "")))
            for call in double.calls
            if call.method == "sendMessage" and call.status == 200
        )
        duplicates = sum(count - 1 for count in per_chat.values())
        assert duplicates <= 2, [key for key, count in per_chat.items() if count > 1][:5]


async def _reflect_at_once(
    double: TelegramDouble, workers: list[Worker], database: Database
) -> None:
    """Thursday: everyone opens this week's reflection at once, then answers its first
    question at once; a worker that is not the leader dies in the middle and comes back."""
    users = [double.user(FIRST_MENTEE + n, first_name=f"P{n}") for n in range(PEOPLE)]
    await _start_all(workers, THURSDAY)
    await _until(lambda: sum(map(_leads, workers)) == 1, 60, "one leader")
    for user in users:
        await user.send_text("/refleksi")
    await _until(lambda: sum(bool(u.messages) for u in users) >= PEOPLE // 3, 300, "a third")
    victim = next(w for w in workers if not _leads(w))
    os.kill(victim.pid, signal.SIGKILL)
    # Telegram redelivers what the victim never acknowledged; the others handle it. A
    # reply the victim was sending after its write committed is the one thing lost
    # (README, "What a crash loses"): the person's reflection is open all the same.
    await _until_handled(database, PEOPLE)
    await victim.stop()
    await victim.start()
    for n, user in enumerate(users):
        await user.send_text(ANSWER.format(n=n))
    await _until_handled(database, 2 * PEOPLE)
    await double.settle(quiet=1.0, timeout=120)

    async with database.read() as conn:
        stored = (await conn.execute(select(inbox_table.c.done_at))).scalars().all()
        drafts = (await conn.execute(select(reflections_table.c.answers))).scalars().all()
    assert len(stored) == 2 * PEOPLE  # every update stored once...
    assert all(done is not None for done in stored)  # ...and handled
    kept = Counter(a for answers in drafts for a in answers.values() if isinstance(a, str))
    missing = [n for n in range(PEOPLE) if kept[ANSWER.format(n=n)] != 1]
    assert missing == [], missing[:10]  # every answer kept, once
    replies = Counter(len(user.messages) for user in users)
    assert set(replies) <= {1, 2}, replies  # nothing answered twice
    assert replies[1] <= MAX_CONNECTIONS, replies  # lost: only what the victim had in hand


async def _fan_out(double: TelegramDouble, workers: list[Worker], database: Database) -> None:
    """Friday 09:00 WIB: the digests and nudges go out; the leader dies in the middle."""
    for worker in workers:
        await worker.stop()
    before = _sent(double)
    await _start_all(workers, FRIDAY)
    await _until(lambda: sum(map(_leads, workers)) == 1, 60, "one leader on Friday")
    leader = next(w for w in workers if _leads(w))
    await _until(lambda: _sent(double) - before > PEOPLE // 4, 300, "a quarter sent")
    os.kill(leader.pid, signal.SIGKILL)
    await _until(lambda: any(_leads(w) for w in workers if w is not leader), 30, "new leader")
    deadline = asyncio.get_running_loop().time() + 600
    while (counts := await _outbox_counts(database)).get("pending") or counts.get("sending"):
        assert asyncio.get_running_loop().time() < deadline, counts
        await asyncio.sleep(0.5)
    assert counts.get("sent", 0) >= PEOPLE // 2, counts  # the fan-out happened


async def _until_handled(database: Database, count: int, timeout: float = 300) -> None:
    """Until ``count`` updates are stored and every stored one is done."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with database.read() as conn:
            counts = await inbox.counts(conn)
        if counts.get("done", 0) >= count and not counts.get("waiting"):
            return
        assert asyncio.get_running_loop().time() < deadline, counts
        await asyncio.sleep(0.5)


async def _outbox_counts(database: Database) -> dict[str, int]:
    async with database.read() as conn:
        return await outbox.counts(conn)


def _sent(double: TelegramDouble) -> int:
    return sum(1 for c in double.calls if c.method == "sendMessage" and c.status == 200)
