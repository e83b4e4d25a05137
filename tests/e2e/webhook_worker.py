"""The real ``pembina run --webhook URL`` as a subprocess against the Telegram double."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.telegram_double import TelegramDouble
from tests.conftest import REPO

SECRET = "pembina-e2e_secret"
HOOK_PATH = "/telegram/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Worker:
    """One webhook worker process: where it listens, and how to start, kill and stop it."""

    def __init__(
        self,
        double: TelegramDouble,
        db_url: str,
        workdir: Path,
        *,
        port: int | None = None,
        max_connections: int = 10,
    ) -> None:
        self.double, self.db_url, self.workdir = double, db_url, workdir
        self.port = port or free_port()
        self.max_connections = max_connections
        self.public_url: str | None = None  # what Telegram is told, when not ``url`` itself
        self.process: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base + HOOK_PATH

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.double.token,
            "TELEGRAM_API_BASE_URL": self.double.base_url,
            "DATABASE_URL": self.db_url,
            "PEMBINA_ADMIN_IDS": "900",
            "PEMBINA_WEBHOOK_LISTEN": "127.0.0.1",
            "PEMBINA_WEBHOOK_PORT": str(self.port),
            "PEMBINA_WEBHOOK_SECRET": SECRET,
            "PEMBINA_WEBHOOK_MAX_CONNECTIONS": str(self.max_connections),
            "PYTHONPATH": str(REPO),
        }

    async def start(self, *, ready: bool = True) -> None:
        """Start the process; with ``ready``, wait until it answers /readyz with 200."""
        with (self.workdir / "bot.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--webhook",
                self.public_url or self.url,
                cwd=self.workdir,
                env=self.env(),
                stdout=log,
                stderr=log,
            )
        if ready:
            await self.wait_ready()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"the worker ended: {self.log()}")
                try:
                    async with session.get(self.base + "/readyz") as response:
                        if response.status == 200 and self.double.webhook is not None:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"the worker never got ready: {self.log()}")
                await asyncio.sleep(0.1)

    def log(self) -> str:
        path = self.workdir / "bot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    async def stop(self) -> None:
        process = self.process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
