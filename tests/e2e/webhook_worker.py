"""The real ``pembina run --webhook URL`` as a subprocess against the Telegram double, and
a round-robin proxy in front of several, as a deployment's reverse proxy would be."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.telegram_double import TelegramDouble
from bot.webhook import WebhookConfig
from tests.conftest import REPO
from tests.e2e.processes import stop_gently

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
        self.at: datetime | None = None  # the instant its clock starts at (tests.e2e.pembina_at)
        self.args: list[str] = []  # more arguments for ``run`` (e.g. --no-migrate)
        self.extra_env: dict[str, str] = {}
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

    def config(self) -> WebhookConfig:
        """The webhook settings ``env`` gives the process, for a bot that takes over from
        it in the test's process (tests.e2e.processes.restart)."""
        return WebhookConfig(
            url=self.public_url or self.url,
            secret_token=SECRET,
            listen="127.0.0.1",
            port=self.port,
            max_connections=self.max_connections,
        )

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
            **self.extra_env,
        }

    async def start(self, *, ready: bool = True) -> None:
        """Start the process; with ``ready``, wait until it answers /readyz with 200."""
        with (self.workdir / "bot.log").open("ab") as log:
            program = ["bot"] if self.at is None else ["tests.e2e.pembina_at", self.at.isoformat()]
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                *program,
                "run",
                *self.args,
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
        if self.process is not None:
            await stop_gently(self.process)


class RoundRobin:
    """Forwards each POST to the next worker; a worker that refuses the connection is
    skipped; 502 when none answers. Remembers which worker got each update."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self.port = free_port()
        self.sent_to: dict[int, list[int]] = {}  # update id -> ports it was forwarded to
        self.chats: dict[int, int] = {}  # update id -> its chat
        self._next = 0  # a counter, not an index: read and advanced without awaiting
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{HOOK_PATH}"

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        update = await request.json()
        update_id = int(update["update_id"])
        message = update.get("message") or update.get("callback_query", {}).get("message", {})
        self.chats[update_id] = int(message.get("chat", {}).get("id", 0))
        assert self._session is not None
        for _ in self.workers:
            worker = self.workers[self._next % len(self.workers)]
            self._next += 1
            self.sent_to.setdefault(update_id, []).append(worker.port)
            try:
                async with self._session.post(
                    worker.url, data=body, headers=dict(request.headers)
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                continue  # that worker is down: the next one
            except aiohttp.ClientError:
                return web.Response(status=502)  # it died mid-request
        return web.Response(status=502)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        app = web.Application()
        app.router.add_post(HOOK_PATH, self._forward)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()
        try:
            yield
        finally:
            await self._session.close()
            await runner.cleanup()
