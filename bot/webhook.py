"""Webhook mode: Telegram POSTs each update here; we answer 200 only once it is handled.

python-telegram-bot's own webhook server answers 200 as soon as an update is queued in
memory, so a crash before the handler committed lost the update (Telegram never sends it
again). This endpoint (aiohttp) passes each update to :meth:`bot.inbox.Inbox.deliver`, the
same durable path the poller uses, and answers only after the update's handling
transaction committed (or it was done before): a crash or a failure in between leaves the
request unanswered or answered 503, and Telegram redelivers.

Requests without the secret header ``setWebhook`` was given are refused (401 missing, 403
wrong) and change nothing; a body that is not an update is 400. The same server answers
``/healthz`` (the process lives) and ``/readyz`` (the database answers and its schema is
current), for a load balancer or an orchestrator.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import TelegramError

from bot.inbox import Inbox
from storage.db import Database
from storage.migrate import pending

if TYPE_CHECKING:  # imported where a server starts: polling processes never load aiohttp
    from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
READY_SECONDS = 5.0  # a readiness probe that takes longer counts as not ready
# How long a stopping server lets open requests finish (they wait for their handling).
SHUTDOWN_SECONDS = 10.0


class WebhookRefused(Exception):
    """Webhook mode cannot start: the catalogue key of why (``cli.webhook_*``), the reason."""

    def __init__(self, key: str, reason: object) -> None:
        super().__init__(key, reason)
        self.key, self.reason = key, str(reason)


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram sends updates and how this process listens for them."""

    url: str  # the public URL given to setWebhook; its path is the path served here
    secret_token: str
    listen: str = "127.0.0.1"
    port: int = 8080
    max_connections: int = 40

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


class WebhookServer:
    """The aiohttp server of one worker: the update endpoint and the health probes."""

    def __init__(self, config: WebhookConfig, inbox: Inbox, db: Database) -> None:
        self._config = config
        self._inbox = inbox
        self._db = db
        self._secret = config.secret_token.encode()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; until :meth:`register` Telegram does not know about us."""
        from aiohttp import web  # 0.13 s of a polling process's start when imported on top

        app = web.Application()
        app.router.add_post(self._config.path, self._receive)
        app.router.add_get("/healthz", self._live)
        app.router.add_get("/readyz", self._ready)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._config.listen, self._config.port).start()
        except OSError as exc:  # the port is taken, the address is not ours, ...
            await self.stop()
            raise WebhookRefused("cli.webhook_listen", exc.strerror or exc) from exc
        log.info(
            "webhook listening on %s:%s%s",
            self._config.listen,
            self._config.port,
            self._config.path,
        )

    async def register(self, bot: Bot, allowed_updates: list[str]) -> None:
        """Tell Telegram where to send updates (every worker does; the settings agree).
        Pending updates are kept: they are delivered here."""
        try:
            await bot.set_webhook(
                self._config.url,
                secret_token=self._config.secret_token,
                max_connections=self._config.max_connections,
                allowed_updates=allowed_updates,
                drop_pending_updates=False,
            )
        except TelegramError as exc:  # e.g. not HTTPS, or a port Telegram does not post to
            raise WebhookRefused("cli.webhook_refused", exc.message) from exc

    async def stop(self) -> None:
        """Stop listening; open requests get up to :data:`SHUTDOWN_SECONDS` to be handled.
        The webhook stays set: other workers go on, and Telegram keeps updates meanwhile."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------- routes

    async def _receive(self, request: web.Request) -> web.Response:
        from aiohttp import web

        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401, text="secret token missing")
        if not hmac.compare_digest(given.encode(), self._secret):
            return web.Response(status=403, text="wrong secret token")
        payload = await _update_of(request)
        if payload is None:
            return web.Response(status=400, text="not a Telegram update")
        try:
            handled = await self._inbox.deliver(payload)
        except Exception:  # storage down, ...: Telegram sends it again later
            log.exception("update %s could not be taken", payload["update_id"])
            handled = False
        if not handled:
            return web.Response(status=503, text="not handled; send it again")
        return web.Response(status=200)

    async def _live(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(text="ok")

    async def _ready(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        problem = await readiness_problem(self._db)
        if problem is not None:
            return web.Response(status=503, text=problem)
        return web.Response(text="ready")


async def _update_of(request: web.Request) -> dict[str, Any] | None:
    """The JSON object of an update with an integer ``update_id``; None for anything else."""
    try:
        payload = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return None
    return payload


async def readiness_problem(db: Database) -> str | None:
    """Why this worker should not get traffic (database unreachable, migrations pending);
    None when ready."""
    try:
        async with asyncio.timeout(READY_SECONDS):
            waiting = await pending(db)
    except TimeoutError:
        return f"database did not answer within {READY_SECONDS:.0f} s"
    except Exception as exc:  # any failure to reach the database means not ready
        return f"database unreachable: {type(exc).__name__}"
    if waiting:
        return f"migrations pending: {', '.join(waiting)}"
    return None
