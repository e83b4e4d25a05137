"""python-telegram-bot's HTTP client, sending its parameters as one JSON body over aiohttp.

python-telegram-bot posts every method's parameters as an HTML form: each value JSON-encoded
on its own, then the whole form URL-encoded by httpx, a byte at a time in Python
(``urllib.parse.quote_from_bytes``). For Pembina's replies (a ``/help`` list, a reflection
summary with its buttons: a kilobyte or two each) that encoding was a visible part of an
update's CPU (profiled with ``bench/update_cost.py``). The Bot API takes ``application/json``
as well, so a request without files goes as one ``json.dumps`` of the parameters.

The request itself then cost more than the encoding: httpx, httpcore, h11, anyio and sniffio
are Python from the pool to the parser, about a fifth of Pembina's CPU per update. Requests
without files go through an aiohttp client (its HTTP parser is C; aiohttp is a dependency for
the webhook server anyway), on a persistent HTTP/1.1 pool of the same size, with the same
timeouts and errors as ``HTTPXRequest.do_request``:

- pool: at most ``connection_pool_size`` requests at once; waiting longer than the pool timeout
  raises the same ``TimedOut`` ("Pool timeout: ..."), the request not sent;
- connect and read timeouts: aiohttp's ``connect`` and ``sock_read`` (the read one, as
  httpx's, bounds each wait for data and starts once the request is written), ``TimedOut``;
- write timeout: a JSON body up to :data:`SMALL_BODY` bytes goes into the socket's buffer in
  one call and never waits to be written, so there is nothing for it to bound; a larger body
  and every upload (multipart, ``media_write_timeout``) stay on httpx, which bounds writes;
- any other transport error: ``NetworkError`` naming aiohttp's exception (httpx's were named
  ``httpx.<Error>``); HTTP status codes are ``BaseRequest._request_wrapper``'s, as before.

httpx stays the client wherever aiohttp would change what is sent: HTTP/2, socket options, a
proxy (given, or in the environment, which httpx reads), and a request made before
``initialize`` (httpx's client exists from construction on).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.request
from typing import TYPE_CHECKING, Any

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

if TYPE_CHECKING:  # imported by the first initialize: commands that send nothing skip it
    import aiohttp

_JSON = "application/json"
# Below asyncio's default write buffer high-water mark (64 KiB): such a body is handed to the
# transport whole and the write never waits on the peer, so no write timeout can be missed.
SMALL_BODY = 60_000
KEEPALIVE = 5.0  # seconds an idle connection is kept: httpx's keepalive expiry
POOL_TIMEOUT = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)


class JsonRequest(HTTPXRequest):
    """``HTTPXRequest`` with a JSON body for requests that carry no file, sent by aiohttp."""

    def __init__(self, connection_pool_size: int = 256, **kwargs: Any) -> None:
        super().__init__(connection_pool_size, **kwargs)
        self._pool_size = connection_pool_size
        client = self._client_kwargs
        verify = client.get("verify", True)
        self._verify = verify
        # aiohttp only where it sends what httpx would: HTTP/1.1, plain TCP, no proxy.
        self._light = (
            client.get("http1", True)
            and not client.get("http2", False)
            and client.get("transport") is None
            and client.get("proxy") is None
            and client.get("mounts") is None
            and (isinstance(verify, ssl.SSLContext) or verify is True or verify is False)
            and not _proxies_in_environment()
        )
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    async def initialize(self) -> None:
        """httpx's client (uploads) and, once, the aiohttp session with its pool."""
        await super().initialize()
        if self._light and (self._session is None or self._session.closed):
            import aiohttp  # 70-120 ms of CPU, once: not for commands that never send

            connector = aiohttp.TCPConnector(
                limit=self._pool_size, ssl=self._tls(), keepalive_timeout=KEEPALIVE
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # Telegram sets none; httpx's jar was idle
                headers={"User-Agent": self.USER_AGENT},
            )
            self._slots = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close both clients; closing one already closed is a no-op, as in PTB."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
        await super().shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        body = None
        if request_data is not None and not request_data.contains_files:
            parameters = request_data.parameters
            if parameters:
                body = json.dumps(parameters).encode()
        session, slots = self._session, self._slots
        if (
            session is None
            or slots is None
            or session.closed
            or (request_data is not None and request_data.contains_files)
            or (body is not None and len(body) > SMALL_BODY)
        ):
            return await self._httpx_request(
                url, method, request_data, body, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        client_timeout = self._client.timeout
        timeout = self._timeout(
            _given(connect_timeout, client_timeout.connect),
            _given(read_timeout, client_timeout.read),
        )
        import aiohttp  # loaded by initialize: a lookup in sys.modules

        await _take(slots, _given(pool_timeout, client_timeout.pool))
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=None if body is None else {"Content-Type": _JSON},
                timeout=timeout,
                allow_redirects=False,  # httpx follows none by default
            ) as res:
                return res.status, await res.read()
        except TimeoutError as err:  # aiohttp's connect and read timeouts are TimeoutErrors
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        finally:
            slots.release()

    def _tls(self) -> ssl.SSLContext | bool:
        """The certificates httpx would trust: its ``verify`` context, or httpx's default
        one (certifi's bundle, where aiohttp's default would be the system's)."""
        verify = self._verify
        if isinstance(verify, ssl.SSLContext) or verify is False:
            return verify
        return httpx.create_ssl_context()

    def _timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        """One ``ClientTimeout`` per (connect, read) pair: few pairs occur, and each request
        building its own was measurable."""
        timeout = self._timeouts.get((connect, read))
        if timeout is None:
            import aiohttp

            # connect: name lookup, connection and TLS handshake, as httpx's connect timeout
            # (aiohttp's pool never makes a request wait here: ours, in front, is as small)
            timeout = aiohttp.ClientTimeout(
                total=None, connect=connect, sock_connect=connect, sock_read=read
            )
            self._timeouts[(connect, read)] = timeout
        return timeout

    async def _httpx_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        body: bytes | None,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> tuple[int, bytes]:
        """The request by httpx: uploads as python-telegram-bot sends them (multipart, the
        media write timeout), anything else as one JSON body."""
        if request_data is not None and request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        if self._client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        client_timeout = self._client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, client_timeout.connect),
            read=_given(read_timeout, client_timeout.read),
            write=_given(write_timeout, client_timeout.write),
            pool=_given(pool_timeout, client_timeout.pool),
        )
        headers = {"User-Agent": self.USER_AGENT}
        if body is not None:
            headers["Content-Type"] = _JSON
        try:
            res = await self._client.request(
                method=method, url=url, headers=headers, timeout=timeout, content=body
            )
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(message=POOL_TIMEOUT) from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content


async def _take(slots: asyncio.Semaphore, timeout: float | None) -> None:
    """A place in the pool, waiting at most ``timeout`` (httpx's pool timeout): past it the
    request is not sent and PTB's pool-timeout ``TimedOut`` is raised."""
    if not slots.locked():
        await slots.acquire()  # a free place: taken without suspending
        return
    try:
        async with asyncio.timeout(timeout):
            await slots.acquire()
    except TimeoutError as err:
        raise TimedOut(message=POOL_TIMEOUT) from err


def _proxies_in_environment() -> bool:
    """Whether the environment names a proxy (``HTTPS_PROXY``, ``ALL_PROXY``...): httpx
    honours those, so such a process keeps httpx rather than bypass its proxy."""
    return bool(urllib.request.getproxies())


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value
