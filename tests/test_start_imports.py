"""What a ``pembina`` process imports to start: not the file writers.

Every command and every bot start imported matplotlib, openpyxl and fpdf2 (about half a
second of CPU, 1.9 s -> 1.2 s for ``import bot.app``) although only a ledger, a report, a
record or a chart needs them; they are imported with the first file now.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache

from tests.conftest import REPO

WRITERS = ("matplotlib", "openpyxl", "fpdf")


@cache
def _loaded() -> frozenset[str]:
    """The top-level packages in ``sys.modules`` of a fresh process that imported what
    ``pembina`` imports to start (one process for both tests: each costs a second); marked
    ``~``, the modules (full names) once the bot's HTTP client has started, as
    ``pembina run`` starts it; marked ``+``, the packages once the playground is imported."""
    code = (
        "import asyncio, sys, bot.cli, bot.app\n"
        "polling = {m.split('.')[0] for m in sys.modules}\n"
        "from bot.app import _request\n"
        "async def start():\n"
        "    async with _request(1):\n"
        "        pass\n"
        "asyncio.run(start())\n"
        "started = set(sys.modules)\n"
        "import bot.playground\n"
        "print(' '.join(sorted(polling)))\n"
        "print(' '.join(sorted(started)))\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    polling, started, everything = result.stdout.splitlines()
    return (
        frozenset(polling.split())
        | frozenset(f"~{m}" for m in started.split())
        | frozenset(f"+{m}" for m in everything.split())
    )


def test_starting_the_bot_loads_no_file_writer() -> None:
    loaded = _loaded()
    assert sorted(m for m in WRITERS if m in loaded or f"+{m}" in loaded) == []


def test_polling_start_loads_no_web_server() -> None:
    """aiohttp's web server serves webhook mode only (0.13 s of each polling start when it
    was imported with ``bot.app``): ``pembina run`` without ``--webhook`` never loads it.
    (aiohttp's client sends the bot's requests, ``bot/json_request.py``: a bot that starts
    loads it, once its HTTP client is initialised, commands that send nothing never do.)"""
    assert "aiohttp" in {m.lstrip("+") for m in _loaded()}  # the playground's double does
    assert "aiohttp" not in _loaded()
    assert "~aiohttp.client" in _loaded()  # the started client is seen
    assert sorted(m for m in _loaded() if m.startswith("~aiohttp.web")) == []
