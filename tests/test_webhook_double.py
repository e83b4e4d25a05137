"""The double's webhook: pushes, retries like Telegram, keeps each chat's order, and answers
409 to getUpdates while a webhook is set or when another poller takes over."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.telegram_double import TelegramDouble
from tests.conftest import SPEC_PATH

SECRET = "s3cret_token-1"


@pytest_asyncio.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble(spec_path=SPEC_PATH) as tg:
        yield tg
        assert tg.spec_violations == []


@pytest_asyncio.fixture
async def bot(double: TelegramDouble) -> AsyncIterator[Bot]:
    async with Bot(double.token, base_url=double.base_url) as b:
        yield b


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """A webhook endpoint under the test's control: each POST is recorded; ``statuses``
    answers the first requests (then 200); ``gate`` (when set) holds a chat's requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.statuses: list[int] = []
        self.held: dict[int, asyncio.Event] = {}
        self.open_now = 0
        self.most_open = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def update_ids(self) -> list[int]:
        return [update["update_id"] for update, _ in self.received]

    async def _hook(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.received.append((update, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            gate = self.held.get(update["message"]["chat"]["id"])
            if gate is not None:
                await gate.wait()
            status = self.statuses.pop(0) if self.statuses else 200
        finally:
            self.open_now -= 1
        return web.Response(status=status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver(free_port())
    await endpoint.start()
    yield endpoint
    await endpoint.stop()


async def until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


async def test_set_webhook_pushes_updates_with_the_secret(
    double: TelegramDouble, bot: Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(
        receiver.url, secret_token=SECRET, max_connections=5, allowed_updates=["message"]
    )
    user = double.user(42, first_name="Budi")
    await user.send_text("halo")
    await until(lambda: len(receiver.received) == 1)
    update, secret = receiver.received[0]
    assert update["message"]["text"] == "halo"
    assert secret == SECRET
    await double.settle(quiet=0.1)  # acknowledged: Telegram forgets it
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0
    assert info.max_connections == 5
    assert info.allowed_updates == ("message",)
    assert info.last_error_date is None


async def test_a_500_is_retried_and_the_error_shown(
    double: TelegramDouble, bot: Bot, receiver: Receiver
) -> None:
    receiver.statuses = [500, 502]
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    await double.user(42).send_text("halo")
    await until(lambda: len(receiver.received) == 3)
    await double.settle(quiet=0.1)
    assert len(set(receiver.update_ids())) == 1  # the same update, sent again
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    assert info.last_error_date is not None


async def test_a_refused_connection_is_retried_until_the_bot_listens(
    double: TelegramDouble, bot: Bot
) -> None:
    late = Receiver(free_port())  # nothing listens there yet
    await bot.set_webhook(late.url, secret_token=SECRET)
    await double.user(42).send_text("halo")
    await until(lambda: double.webhook is not None and len(double.webhook.errors) >= 2)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1  # not lost
    assert info.last_error_message == "Connection refused"
    await late.start()
    try:
        await until(lambda: len(late.received) == 1)
        await double.settle(quiet=0.1)
    finally:
        await late.stop()
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_one_chat_waits_for_its_previous_update_and_connections_are_capped(
    double: TelegramDouble, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET, max_connections=3)
    receiver.held[1] = asyncio.Event()
    first = await double.user(1).send_text("satu")
    second = await double.user(1).send_text("dua")
    for n in range(10):
        await double.user(100 + n).send_text(f"orang {n}")
    # the other chats go through (3 at a time) while chat 1's first update is held
    await until(lambda: len(receiver.received) == 11)
    assert second["update_id"] not in receiver.update_ids()
    receiver.held[1].set()
    await until(lambda: second["update_id"] in receiver.update_ids())
    await double.settle(quiet=0.1)
    ids = receiver.update_ids()
    assert ids.index(first["update_id"]) < ids.index(second["update_id"])
    assert receiver.most_open <= 3
    assert double.webhook is not None
    assert double.webhook.most_at_once <= 3


async def test_get_updates_is_refused_while_a_webhook_is_set(
    double: TelegramDouble, bot: Bot
) -> None:
    await bot.set_webhook(Receiver(free_port()).url, secret_token=SECRET)
    await double.user(42).send_text("halo")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook()
    updates = await bot.get_updates(timeout=0)  # kept while the webhook failed
    assert [u.message.text for u in updates if u.message] == ["halo"]
    assert (await bot.get_webhook_info()).url == ""


async def test_a_second_poller_ends_the_first_with_409(double: TelegramDouble, bot: Bot) -> None:
    async with Bot(double.token, base_url=double.base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2)
        await double.user(42).send_text("halo")
        assert len(await asyncio.wait_for(second, 2)) == 1


async def test_a_plain_http_url_elsewhere_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook("https://bot.example.org/hook", secret_token="no spaces")
