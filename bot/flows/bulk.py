"""Use cases that read or write many rows run their SQLite statements off the event loop.

An update's statements run on the event loop's own thread (``storage.db.on_loop``, set by
the inbox for each handling): a reply to one person reads and writes a few rows by key,
and sending such a statement to aiosqlite's thread cost more than running it. A few things
a person can ask for in the chat touch thousands of rows instead (a coordinator's roster
import or pairing plan, their lists of who has not joined or reflected, a ledger or
report for a whole programme, a supervisor's digest of a large unit): run on the loop,
each would hold everyone else's reply until it ended. Marked :func:`bulk`, they run on
the connection's thread, as the scheduler's work does.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from storage.db import on_loop

P = ParamSpec("P")
R = TypeVar("R")


def bulk(flow: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """``flow``'s statements (and those of the tasks it starts) run off the event loop."""

    @functools.wraps(flow)
    async def off_loop(*args: P.args, **kwargs: P.kwargs) -> R:
        with on_loop(False):
            return await flow(*args, **kwargs)

    return off_loop
