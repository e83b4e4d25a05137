"""The event loop every ``pembina`` command runs on: uvloop's where it is installed.

Most of what the bot does for an update is small steps on the event loop: an HTTP request
and its answer, a hand-off to SQLite's thread and back, a task per person, the send
limiter's turn. asyncio's own loop runs each of those steps in Python; uvloop (libuv, in
C) runs them for a fraction of the cost. Measured with ``bench/update_cost.py`` (SQLite,
the same run alternating with the stock loop): 17-24 % less CPU per update, the same
statements. It is a dependency on Linux and macOS; elsewhere (Windows, which uvloop does
not support) the stock loop runs the same code. The test suite runs on the same loop
(``tests/conftest.py``), so what the tests prove is what runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """What makes a new event loop: uvloop's when it is installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:  # not installed (Windows): the stock loop
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the loop :func:`loop_factory` makes."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
