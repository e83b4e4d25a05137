"""Stopping the real ``pembina`` processes the end-to-end tests start, and starting the bot
that takes over from one killed with SIGKILL."""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress

from bot.app import Running, build_application, start_bot
from bot.telegram_double import TelegramDouble
from bot.webhook import WebhookConfig
from tests.e2e.conftest import settings_for


async def stop_gently(process: asyncio.subprocess.Process, timeout: float = 20) -> None:
    """SIGTERM (the bot finishes what it has in hand), then SIGKILL after ``timeout``."""
    if process.returncode is not None:
        return
    with suppress(ProcessLookupError):  # killed already, not yet reaped
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()


async def restart(
    double: TelegramDouble, db_url: str, webhook: WebhookConfig | None = None
) -> Running:
    """The bot after a real ``pembina run`` was killed: what that command starts (its
    settings from the same environment, the system clock; a webhook worker given its
    ``webhook``), in the test's process, over HTTP against the same double and on the same
    database. Everything the kill left behind is in the database and the double; a second
    process start cost a second of CPU."""
    app = build_application(settings_for(double, db_url), double.token)
    return await start_bot(app, webhook=webhook)
