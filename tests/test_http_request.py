"""The bot's HTTP client (``bot/json_request.py``) keeps python-telegram-bot's contract.

Requests go over real HTTP to a small local server: JSON bodies, uploads as multipart, the
status codes ``BaseRequest`` maps, and the transport errors ``HTTPXRequest`` maps (a read
timeout and a full pool are ``TimedOut``, the pool one with its own message; a refused or cut
connection is ``NetworkError``). A proxy in the environment keeps the request on httpx.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.json_request import JsonRequest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """Answers ``/ok`` with what it received, ``/slow`` after a second, ``/cut`` by
    dropping the connection, ``/bad`` with a 400 and ``/flood`` with a 429."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.seen: list[dict[str, Any]] = []
        self.release = asyncio.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    async def ok(self, request: web.Request) -> web.Response:
        seen: dict[str, Any] = {
            "content_type": request.content_type,
            "agent": request.headers.get("User-Agent"),
        }
        if request.content_type == "multipart/form-data":
            form = await request.post()
            seen["fields"] = {k: v for k, v in form.items() if isinstance(v, str)}
            seen["files"] = {
                k: (v.filename, v.file.read()) for k, v in form.items() if not isinstance(v, str)
            }
        else:
            seen["body"] = await request.read()
        self.seen.append(seen)
        return web.json_response({"ok": True, "result": True})

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.json_response({"ok": True, "result": True})

    async def held(self, request: web.Request) -> web.Response:
        await self.release.wait()
        return web.json_response({"ok": True, "result": True})

    async def cut(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.1)
        return web.json_response({"ok": True, "result": True})

    async def bad(self, request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        return web.json_response(body, status=400)

    async def flood(self, request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 7}}
        return web.json_response(body, status=429)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    app = web.Application()
    for name in ("ok", "slow", "held", "cut", "bad", "flood"):
        app.router.add_post(f"/{name}", getattr(srv, name))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", srv.port).start()
    yield srv
    srv.release.set()
    await runner.cleanup()


@pytest_asyncio.fixture
async def request_() -> AsyncIterator[JsonRequest]:
    req = JsonRequest(connection_pool_size=2, read_timeout=0.3, pool_timeout=0.2)
    await req.initialize()
    yield req
    await req.shutdown()


def _data(**params: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def test_parameters_go_as_one_json_body(server: Server, request_: JsonRequest) -> None:
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "r:1"}]]}
    result = await request_.post(
        server.url("ok"), _data(chat_id=5, text="Halo, Bapak/Ibu ✓", reply_markup=markup)
    )
    assert result is True
    [seen] = server.seen
    assert seen["content_type"] == "application/json"
    assert seen["agent"] == JsonRequest.USER_AGENT
    assert json.loads(seen["body"]) == {
        "chat_id": 5,
        "text": "Halo, Bapak/Ibu ✓",
        "reply_markup": markup,
    }


async def test_a_file_goes_as_multipart(server: Server, request_: JsonRequest) -> None:
    document = InputFile(b"a;b\n1;2\n", filename="ledger.csv")
    await request_.post(server.url("ok"), _data(chat_id=5, document=document, caption="Buku"))
    [seen] = server.seen
    assert seen["content_type"] == "multipart/form-data"
    assert seen["fields"] == {"chat_id": "5", "caption": "Buku"}
    assert seen["files"] == {"document": ("ledger.csv", b"a;b\n1;2\n")}


async def test_status_codes_are_python_telegram_bots_errors(
    server: Server, request_: JsonRequest
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await request_.post(server.url("bad"), _data(chat_id=5))
    with pytest.raises(RetryAfter) as flood:
        await request_.post(server.url("flood"), _data(chat_id=5))
    assert flood.value.retry_after.total_seconds() == 7


async def test_a_slow_answer_times_out(server: Server, request_: JsonRequest) -> None:
    with pytest.raises(TimedOut) as slow:
        await request_.post(server.url("slow"), _data(chat_id=5))
    assert "Pool timeout" not in slow.value.message
    # the given read timeout wins over the default one
    assert await request_.post(server.url("slow"), _data(chat_id=5), read_timeout=3) is True


async def test_a_full_pool_times_out_unsent(server: Server, request_: JsonRequest) -> None:
    held = [
        asyncio.create_task(request_.post(server.url("held"), _data(chat_id=i), read_timeout=5))
        for i in range(2)
    ]
    await asyncio.sleep(0.1)
    with pytest.raises(TimedOut, match="Pool timeout: All connections"):
        await request_.post(server.url("ok"), _data(chat_id=5))
    assert server.seen == []  # not sent
    server.release.set()
    assert await asyncio.gather(*held) == [True, True]
    assert await request_.post(server.url("ok"), _data(chat_id=5)) is True  # places freed


async def test_transport_failures_are_network_errors(
    server: Server, request_: JsonRequest
) -> None:
    with pytest.raises(NetworkError) as cut:
        await request_.post(server.url("cut"), _data(chat_id=5))
    assert not isinstance(cut.value, TimedOut)
    refused = f"http://127.0.0.1:{_free_port()}/ok"
    with pytest.raises(NetworkError) as down:
        await request_.post(refused, _data(chat_id=5))
    assert not isinstance(down.value, TimedOut)
    assert await request_.post(server.url("ok"), _data(chat_id=5)) is True  # pool recovered


async def test_a_proxy_in_the_environment_keeps_httpx(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx honours ``HTTPS_PROXY``; a client bypassing it would reach nothing behind one."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # httpx's own client still reaches the server
    req = JsonRequest(connection_pool_size=1)
    async with req:
        assert req._session is None  # aiohttp's client was not started
        assert await req.post(server.url("ok"), _data(chat_id=5)) is True
    assert json.loads(server.seen[0]["body"]) == {"chat_id": 5}
