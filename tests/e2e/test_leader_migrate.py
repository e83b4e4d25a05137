"""Migrations are a deploy step: ``pembina migrate`` run by several processes at once, and
``pembina run --no-migrate`` that refuses a schema that is behind.

Before the migration lock, two ``pembina migrate`` on an empty PostgreSQL database raced to
create ``alembic_version`` and the first tables, and one died with ``UniqueViolationError``
on ``pg_type``. Before ``--no-migrate`` every ``pembina run`` migrated on start.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.telegram_double import TelegramDouble
from storage.db import Database
from storage.migrate import pending, schema_current
from tests import postgres
from tests.conftest import REPO

REFUSED_EN = "The database schema is behind this version of Pembina"


def _env(db_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "PYTHONPATH": str(REPO),
        "PEMBINA_LANGUAGE": "en",
        **extra,
    }


async def _pembina(env: dict[str, str], *args: str, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet, on the back end under test."""
    if postgres.SERVER is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    url = postgres.empty_database()
    try:
        yield url
    finally:
        postgres.drop_database(url)


@postgres.postgres_only("two migrators meet only on a shared server")
async def test_two_migrations_at_once_on_an_empty_database_both_succeed(
    empty_db_url: str, tmp_path: Path
) -> None:
    env = _env(empty_db_url)
    for _round in range(3):  # the race is lost at a different point each time
        first = await _pembina(env, "migrate", cwd=tmp_path)
        second = await _pembina(env, "migrate", cwd=tmp_path)
        outputs = await asyncio.gather(first.communicate(), second.communicate())
        for process, (out, err) in zip((first, second), outputs, strict=True):
            assert process.returncode == 0, err.decode()
            assert "Database is up to date" in out.decode()
        database = Database(empty_db_url)
        try:
            assert await pending(database) == []
            assert await schema_current(database)
        finally:
            await database.dispose()
        postgres.drop_database(empty_db_url)  # empty again for the next round
        await _recreate(empty_db_url)


async def _recreate(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    await asyncio.to_thread(postgres.run_apart, postgres._admin(f'CREATE DATABASE "{name}"'))


async def test_run_without_migrating_refuses_a_schema_that_is_behind(
    empty_db_url: str, double: TelegramDouble, tmp_path: Path
) -> None:
    env = _env(empty_db_url, TELEGRAM_BOT_TOKEN=double.token)
    env["TELEGRAM_API_BASE_URL"] = double.base_url
    process = await _pembina(env, "run", "--no-migrate", cwd=tmp_path)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, (out.decode(), err.decode())
    assert REFUSED_EN in err.decode()
    assert "pembina migrate" in err.decode()
    assert "Traceback" not in err.decode()
    database = Database(empty_db_url)
    try:
        assert not await schema_current(database)  # it did not migrate either
        assert await pending(database)
    finally:
        await database.dispose()

    # The same refusal when the setting, not the flag, says so.
    env["PEMBINA_MIGRATE_ON_START"] = "false"
    process = await _pembina(env, "run", cwd=tmp_path)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, (out.decode(), err.decode())
    assert REFUSED_EN in err.decode()


async def test_run_without_migrating_starts_on_a_current_schema(
    db: Database, db_url: str, double: TelegramDouble, tmp_path: Path
) -> None:
    assert await schema_current(db)
    env = _env(db_url, TELEGRAM_BOT_TOKEN=double.token)
    env["TELEGRAM_API_BASE_URL"] = double.base_url
    process = await _pembina(env, "run", "--no-migrate", cwd=tmp_path)
    try:
        assert process.stdout is not None
        # It leads while starting (the only process), then says it runs once updates can come.
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.startswith(b"This process is now the leader"), line
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert b"Pembina is running as @" in line, line
        user = double.user(850, first_name="Rudi")
        await user.send_text("/start")
        assert (await user.next_messages(2, timeout=30))[1].text
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
    assert process.returncode == 0
