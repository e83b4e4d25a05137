"""``pembina run --webhook URL``: the real process takes updates from Telegram's POSTs.

People join and register through the webhook exactly as through polling; requests without
the secret are refused and change nothing; ``/healthz`` and ``/readyz`` answer, the latter
503 while a migration is pending. Before webhook mode, ``run`` had no ``--webhook`` at all.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bot.clock import SystemClock
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from bot.telegram_double import TelegramDouble
from storage import inbox, people
from storage.db import Database
from storage.migrate import alembic_config
from tests.conftest import DEMO_ROSTER
from tests.e2e.webhook_worker import SECRET, Worker

NIP = "199001012015031002"


async def _invite_codes(db_url: str) -> dict[str, str]:
    database = Database(db_url)
    try:
        svc = Services(db=database, clock=SystemClock(), admin_ids=frozenset({900}))
        parsed = await validate_roster(svc, DEMO_ROSTER.read_text(encoding="utf-8"))
        report = await import_roster(svc, parsed)
    finally:
        await database.dispose()
    return {person.name: invite.code for person, invite in report.invites}


async def test_people_join_and_register_over_the_webhook(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    worker = Worker(double, db_url, tmp_path, max_connections=7)
    await worker.start()
    try:
        assert double.webhook is not None
        info = double.webhook.info()
        assert info["url"] == worker.url
        assert info["max_connections"] == 7
        assert double.webhook.webhook.secret_token == SECRET

        codes = await _invite_codes(db_url)
        joiners = {name: double.user(700 + n) for n, name in enumerate(codes)}
        stranger = double.user(850, first_name="Rudi")
        for name, user in joiners.items():  # all at once: several requests open together
            await user.send_text(f"/start {codes[name]}")
        await stranger.send_text("/start")
        for user in joiners.values():
            await user.next_message(timeout=30)
        intro = await stranger.next_messages(2, timeout=30)
        assert "Langkah 1 dari 3" in intro[1].text
        await stranger.send_text(NIP)
        assert "Langkah 2 dari 3" in (await stranger.next_message(timeout=30)).text
        await stranger.send_text("Rudi Hartono")
        assert "Langkah 3 dari 3" in (await stranger.next_message(timeout=30)).text
        await double.settle(quiet=0.5)
    finally:
        await worker.stop()
    assert worker.process is not None
    assert worker.process.returncode == 0
    assert all(u.unread() == [] for u in [*joiners.values(), stranger])  # nothing twice
    assert double.webhook.errors == []  # every delivery answered 200 the first time
    assert double.stats["getupdates"] == 0  # nothing polled
    database = Database(db_url)
    try:
        async with database.read() as conn:
            for user in joiners.values():
                assert await people.get_person_by_telegram(conn, user.user_id) is not None
            assert await inbox.counts(conn) == {"done": len(joiners) + 3, "waiting": 0}
    finally:
        await database.dispose()


async def test_wrong_secret_and_bad_bodies_are_refused_and_probes_answer(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    worker = Worker(double, db_url, tmp_path)
    await worker.start()
    update = {
        "update_id": 999_001,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 851, "type": "private", "first_name": "Eve"},
            "from": {"id": 851, "is_bot": False, "first_name": "Eve"},
            "text": "/help",
        },
    }
    header = "X-Telegram-Bot-Api-Secret-Token"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(worker.url, json=update) as answer:
                assert answer.status == 401
            async with http.post(worker.url, json=update, headers={header: "guess"}) as answer:
                assert answer.status == 403
            for body in (b"not json", b"[1, 2]", b'{"update_id": "x"}', b"{}"):
                async with http.post(worker.url, data=body, headers={header: SECRET}) as answer:
                    assert answer.status == 400, body
            async with http.get(worker.base + "/healthz") as answer:
                assert answer.status == 200
            async with http.get(worker.base + "/readyz") as answer:
                assert answer.status == 200

            head = await _stamp_one_back(db_url)  # as if a newer release migrated elsewhere
            async with http.get(worker.base + "/readyz") as answer:
                assert answer.status == 503
                assert head in await answer.text()
            async with http.get(worker.base + "/healthz") as answer:
                assert answer.status == 200  # alive all the same
            await _stamp(db_url, head)
            async with http.get(worker.base + "/readyz") as answer:
                assert answer.status == 200
        await asyncio.sleep(0.3)
    finally:
        await worker.stop()
    assert double.messages_in(851) == []  # the refused requests were never handled
    database = Database(db_url)
    try:
        async with database.read() as conn:
            assert await inbox.counts(conn) == {"done": 0, "waiting": 0}
    finally:
        await database.dispose()


async def _stamp_one_back(db_url: str) -> str:
    """Record the revision before the head as applied; returns the head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(db_url))
    head = script.get_revision(script.get_current_head())
    assert head is not None
    previous = head.down_revision
    assert isinstance(previous, str)
    await _stamp(db_url, previous)
    return str(head.revision)


async def _stamp(db_url: str, revision: str) -> None:
    database = Database(db_url)
    try:
        async with database.write() as conn:
            await conn.execute(
                text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
            )
    finally:
        await database.dispose()


async def _refused_start(worker: Worker) -> str:
    """Start the worker, expect it to end with 2 by itself; its output."""
    await worker.start(ready=False)
    assert worker.process is not None
    await asyncio.wait_for(worker.process.wait(), 60)
    assert worker.process.returncode == 2, worker.log()
    assert "berjalan sebagai" not in worker.log()  # never claimed to be running
    return worker.log()


async def test_a_taken_port_is_one_clear_line(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    try:
        worker = Worker(double, db_url, tmp_path, port=squatter.getsockname()[1])
        output = await _refused_start(worker)
    finally:
        squatter.close()
    assert "Tidak dapat mendengarkan webhook di 127.0.0.1:" in output
    assert "Traceback" not in output
    assert double.webhook is None  # Telegram was not pointed at a worker that is not there


async def test_a_webhook_telegram_refuses_is_one_clear_line(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    worker = Worker(double, db_url, tmp_path)
    worker.public_url = "http://bot.example.go.id/telegram"  # not HTTPS: Telegram says no
    output = await _refused_start(worker)
    assert "Telegram menolak webhook http://bot.example.go.id/telegram" in output
    assert "https url must be provided" in output.lower()
    assert "Traceback" not in output
