"""What a ``pembina`` process imports to start: not the file writers.

Every command and every bot start imported matplotlib, openpyxl and fpdf2 (about half a
second of CPU, 1.9 s -> 1.2 s for ``import bot.app``) although only a ledger, a report, a
record or a chart needs them; they are imported with the first file now.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

WRITERS = ("matplotlib", "openpyxl", "fpdf")


def test_starting_the_bot_loads_no_file_writer() -> None:
    code = (
        "import sys, bot.cli, bot.app, bot.playground\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({WRITERS!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []


def test_polling_start_loads_no_web_server() -> None:
    """aiohttp serves webhook mode only (0.13 s of each polling start when it was imported
    with ``bot.app``): ``pembina run`` without ``--webhook`` never loads it."""
    code = "import sys, bot.cli, bot.app\nprint('aiohttp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
