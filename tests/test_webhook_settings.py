"""Webhook mode refuses to start without what it needs, in the operator's language, and its
readiness probe says why a worker should get no traffic."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.webhook import readiness_problem
from storage.db import Database
from tests import cli_runner
from tests.conftest import REPO


def _run_webhook(tmp_path: Path, url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEMBINA_", "TELEGRAM_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
            "PYTHONPATH": str(REPO),
            "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # never reached
            **extra,
        }
    )
    return cli_runner.run(["run", "--webhook", url], cwd=tmp_path, env=env)


def test_webhook_mode_without_a_secret_does_not_start(tmp_path: Path) -> None:
    result = _run_webhook(tmp_path, "https://bot.example.go.id/telegram")
    assert result.returncode == 2
    assert "PEMBINA_WEBHOOK_SECRET" in result.stderr
    assert "Mode webhook memerlukan" in result.stderr  # the catalogue's words, not a traceback
    assert "Traceback" not in result.stderr


def test_webhook_mode_wants_a_url(tmp_path: Path) -> None:
    result = _run_webhook(
        tmp_path, "bot.example.go.id", PEMBINA_WEBHOOK_SECRET="abc", PEMBINA_LANGUAGE="en"
    )
    assert result.returncode == 2
    assert "--webhook needs the public https:// URL" in result.stderr


@pytest.mark.parametrize("secret", ["with space", "x" * 257, "tanda#pagar"])
def test_a_secret_telegram_would_refuse_is_a_setting_error(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEMBINA_WEBHOOK_SECRET", secret)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.name == "PEMBINA_WEBHOOK_SECRET"
    assert "A-Z, a-z, 0-9, _ and -" in caught.value.text("en")


async def test_readiness_names_an_unreachable_database() -> None:
    # A server that is not there (port 1 refuses at once). Not an SQLite file in a missing
    # folder: aiosqlite's thread for the failed connection can outlive the test's loop.
    database = Database("postgresql+asyncpg://pembina:x@127.0.0.1:1/pembina")
    try:
        problem = await readiness_problem(database)
    finally:
        await database.dispose()
    assert problem is not None
    assert problem.startswith("database unreachable")


async def test_readiness_names_pending_migrations(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # never migrated
    try:
        problem = await readiness_problem(database)
    finally:
        await database.dispose()
    assert problem is not None
    assert problem.startswith("migrations pending: 0001")
