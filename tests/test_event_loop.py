"""The event loop ``pembina`` runs on, and that the suite runs on the same one."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from bot import event_loop

UVLOOP = importlib.util.find_spec("uvloop") is not None


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.skipif(not UVLOOP, reason="uvloop is not installed here (Windows)")
def test_commands_run_on_uvloop() -> None:
    assert event_loop.run(_loop_module()).startswith("uvloop")


def test_a_command_gets_its_result_and_a_closed_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def answer() -> int:
        loops.append(asyncio.get_running_loop())
        return 42

    assert event_loop.run(answer()) == 42
    assert loops[0].is_closed()


async def test_the_suite_runs_on_the_loop_the_commands_run_on() -> None:
    made = event_loop.loop_factory()()
    try:
        assert type(asyncio.get_running_loop()) is type(made)
    finally:
        made.close()
