"""The real ``pembina run`` process killed with SIGKILL mid-registration resumes at the same step."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.telegram_double import TelegramDouble
from tests.conftest import REPO
from tests.e2e.processes import stop_gently

NIP = "199001012015031002"


async def _start_bot(
    double: TelegramDouble, db_url: str, workdir: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "DATABASE_URL": db_url,
        "PEMBINA_ADMIN_IDS": "900",
        "PYTHONPATH": str(REPO),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


@pytest.mark.long
async def test_kill_9_mid_registration_resumes(
    double: TelegramDouble, db_url: str, tmp_path: Path
) -> None:
    user = double.user(850, first_name="Rudi")
    process = await _start_bot(double, db_url, tmp_path)
    try:
        await user.send_text("/start")
        intro = await user.next_messages(2, timeout=30)
        assert "Langkah 1 dari 3" in intro[1].text
        await user.send_text(NIP)
        assert "Langkah 2 dari 3" in (await user.next_message(timeout=10)).text
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert process.returncode == -signal.SIGKILL

        process = await _start_bot(double, db_url, tmp_path)
        await user.send_text("Rudi Hartono")
        reply = await user.next_message(timeout=30)
        assert "Langkah 3 dari 3" in reply.text, reply.text
        await double.settle(quiet=0.5)
        assert user.unread() == []  # the replayed NIP update was not answered twice
    finally:
        await stop_gently(process)
    assert process.returncode == 0
