"""Webhook delivery as Telegram does it, for the double.

While a webhook is set, every queued update is POSTed to its URL as JSON with the header
``X-Telegram-Bot-Api-Secret-Token``. An update is forgotten only when the bot answered 2xx;
a refused connection, a timeout or any other status is an error (shown by
``getWebhookInfo``) and the update is sent again after a pause that grows with each failure.
At most ``max_connections`` requests are open at once, and one chat's next update waits
until the previous one was acknowledged, so a bot sees each person's updates in order.

The double differs from Telegram in one way: an ``http://`` URL on the loopback interface
is accepted (Telegram wants HTTPS on port 443, 80, 88 or 8443), so tests need no TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from bot.telegram_double.models import ApiError

if TYPE_CHECKING:
    from bot.telegram_double.server import TelegramDouble

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_MAX_CONNECTIONS = 40
# Telegram retries a failed delivery with growing pauses (seconds to minutes); the double
# keeps the shape but not the length, so a test waits seconds, not minutes.
RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)
DELIVERY_TIMEOUT = 60.0  # seconds a delivery may take before it counts as failed
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class Webhook:
    """What ``setWebhook`` was given (the parts the double acts on)."""

    url: str
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_updates: list[str] = field(default_factory=list)


def webhook_from(params: dict[str, Any]) -> Webhook:
    """Check ``setWebhook``'s parameters as Telegram does; raise its error otherwise."""
    url = str(params.get("url") or "")
    parts = urlsplit(url)
    loopback_http = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not (parts.scheme == "https" or loopback_http) or not parts.hostname:
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None:
        secret = str(secret)
        if not 1 <= len(secret) <= 256 or not set(secret) <= _SECRET_CHARS:
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    raw = params.get("max_connections")
    connections = DEFAULT_MAX_CONNECTIONS if raw in (None, "") else int(raw)
    allowed = params.get("allowed_updates") or []
    if isinstance(allowed, str):
        allowed = json.loads(allowed)
    return Webhook(
        url=url,
        secret_token=secret,
        max_connections=min(max(connections, 1), 100),  # Telegram keeps it within 1-100
        allowed_updates=[str(a) for a in allowed],
    )


class Pusher:
    """Delivers the double's queued updates to one webhook until it is removed."""

    def __init__(
        self,
        double: TelegramDouble,
        webhook: Webhook,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        timeout: float = DELIVERY_TIMEOUT,
    ) -> None:
        self.double = double
        self.webhook = webhook
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.errors: list[tuple[int, str]] = []  # (update id, error) in the order they happened
        self.most_at_once = 0  # the most deliveries open at one moment
        self._attempts: dict[int, int] = {}
        self._retry_at: dict[int, float] = {}
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._loop(), name="double:webhook")

    async def stop(self) -> None:
        """Stop delivering; what was not acknowledged stays queued (for getUpdates)."""
        tasks = [t for t in (self._task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._in_flight.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def wake(self) -> None:
        """Something changed (a new update, a new setting): look for work now."""
        self._wake.set()

    def info(self) -> dict[str, Any]:
        """The webhook's part of ``getWebhookInfo`` (optional fields only when known)."""
        info: dict[str, Any] = {
            "url": self.webhook.url,
            "max_connections": self.webhook.max_connections,
        }
        if self.webhook.allowed_updates:
            info["allowed_updates"] = self.webhook.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    # ---------------------------------------------------------------- delivery

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            next_due = self._start_due(time.monotonic())
            timeout = None if next_due is None else max(next_due - time.monotonic(), 0.005)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _start_due(self, now: float) -> float | None:
        """Start every delivery allowed now; returns when the next retry falls due."""
        next_due: float | None = None
        waiting_chats: set[int] = set()
        for update in list(self.double.pending_updates):
            update_id = int(update["update_id"])
            chat = self.double.chat_of_update(update_id)
            if chat is not None:
                if chat in waiting_chats:
                    continue  # an earlier update of this chat is not acknowledged yet
                waiting_chats.add(chat)
            if update_id in self._in_flight:
                continue
            due = self._retry_at.get(update_id, 0.0)
            if due > now:
                next_due = due if next_due is None else min(next_due, due)
                continue
            if len(self._in_flight) >= self.webhook.max_connections:
                break
            self._in_flight[update_id] = asyncio.create_task(
                self._push(update), name=f"double:webhook:{update_id}"
            )
            self.most_at_once = max(self.most_at_once, len(self._in_flight))
        return next_due

    async def _push(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        try:
            error = await self._post(update)
        finally:
            self._in_flight.pop(update_id, None)
        if error is None:
            self._attempts.pop(update_id, None)
            self._retry_at.pop(update_id, None)
            await self.double.acknowledge(update_id)
        else:
            attempts = self._attempts[update_id] = self._attempts.get(update_id, 0) + 1
            delay = self.retry_delays[min(attempts, len(self.retry_delays)) - 1]
            self._retry_at[update_id] = time.monotonic() + delay
            self.last_error_date = int(time.time())
            self.last_error_message = error
            self.errors.append((update_id, error))
            self.double.stats["webhook_errors"] += 1
        self._wake.set()

    async def _post(self, update: dict[str, Any]) -> str | None:
        """One delivery; None when acknowledged, else Telegram's wording of the error."""
        if self._unwanted(update):
            return None  # not subscribed: Telegram would not have sent it at all
        if self.double.run_hooks("request", "webhook", update, None):
            return "Connection refused"  # a test cut the line before the bot got it
        headers = {}
        if self.webhook.secret_token is not None:
            headers[SECRET_HEADER] = self.webhook.secret_token
        assert self._session is not None
        self.double.stats["webhook_posts"] += 1
        try:
            async with self._session.post(
                self.webhook.url,
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                await response.read()
                status, reason = response.status, response.reason
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError:
            return "Connection reset by peer"
        self.double.run_hooks("response", "webhook", update, status)
        if 200 <= status < 300:
            return None
        return f"Wrong response from the webhook: {status} {reason}"

    def _unwanted(self, update: dict[str, Any]) -> bool:
        allowed = self.webhook.allowed_updates
        kinds = [key for key in update if key != "update_id"]
        return bool(allowed) and not any(kind in allowed for kind in kinds)
