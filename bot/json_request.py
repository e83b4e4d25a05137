"""python-telegram-bot's HTTP client, sending its parameters as one JSON body.

python-telegram-bot posts every method's parameters as an HTML form: each value JSON-encoded
on its own, then the whole form URL-encoded by httpx, a byte at a time in Python
(``urllib.parse.quote_from_bytes``). For Pembina's replies (a ``/help`` list, a reflection
summary with its buttons: a kilobyte or two each) that encoding was a visible part of an
update's CPU (profiled with ``bench/update_cost.py``). The Bot API takes ``application/json``
as well, so a request without files goes as one ``json.dumps`` of the parameters; uploads
stay multipart, as python-telegram-bot sends them. Timeouts and errors are handled as in
``HTTPXRequest.do_request`` (this is that method with the body changed).
"""

from __future__ import annotations

import json

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

_JSON = "application/json"


class JsonRequest(HTTPXRequest):
    """``HTTPXRequest`` with a JSON body for requests that carry no file."""

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
        content = None
        if request_data is not None and request_data.parameters:
            headers["Content-Type"] = _JSON
            content = json.dumps(request_data.parameters).encode()
        try:
            res = await self._client.request(
                method=method, url=url, headers=headers, timeout=timeout, content=content
            )
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(
                    message=(
                        "Pool timeout: All connections in the connection pool are occupied. "
                        "Request was *not* sent to Telegram. Consider adjusting the connection "
                        "pool size or the pool timeout."
                    )
                ) from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value
