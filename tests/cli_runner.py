"""Run the ``pembina`` command inside the test process, as an operator runs it in a terminal.

A command started as ``python -m bot`` spent most of its second or two importing Python
packages; the command-line tests spent 112 s of the suite doing that. ``bot.cli.main`` is the
very function ``python -m bot`` and the ``pembina`` script call, so running it here, with the
command's environment, working folder, input and output, tests the same code. What a fresh
process would not share with the tests is put back after each command: the environment,
the folder, ``sys.stdin``/``stdout``/``stderr``, the logging set-up (``main`` calls
``logging.basicConfig``; the playground quiets loggers) and ``tempfile``'s cached folder
(``TMPDIR`` is read once per process).

Tests about the process itself (a signal, ``kill -9``, a closed pipe, the entry points, a
driver missing from ``sys.modules``, a long-running ``pembina run``) start a real one.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.cli import main

# Environment, folder and standard streams belong to the whole process: one command at a
# time (a test may run one in a thread beside a bot it started).
_ONE_AT_A_TIME = threading.Lock()

# Loggers ``main`` and the playground set a level on; one created during a command is put
# back to NOTSET afterwards, as it would be in the next fresh process.
_TOUCHED_LOGGERS = ("httpx", "alembic", "apscheduler", "fontTools", "telegram", "aiohttp", "bot")


# A guard against a hang, not a speed check (the month's playground script takes ~15 s on
# a loaded machine).
HANG_SECONDS = 240.0


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdin: str = "",
    timeout: float = HANG_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """``pembina ARGS`` in ``cwd`` with exactly ``env`` as its environment and ``stdin`` as
    its input: the exit code and the text written to stdout and stderr, as
    ``subprocess.run(..., capture_output=True, text=True)`` returns them.

    Called from a test's event loop it would nest ``asyncio.run``: call it through
    ``asyncio.to_thread`` there, as a test waits for a real process.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("main() runs its own event loop: call run() via asyncio.to_thread")
    with (
        _ONE_AT_A_TIME,
        _environment(env),
        _folder(cwd),
        _fresh_logging(),
        _streams(stdin) as (out, err),
    ):
        code = _within(list(args), timeout)
    return subprocess.CompletedProcess(
        ["pembina", *args], code, _text(out.getvalue()), _text(err.getvalue())
    )


def _within(argv: list[str], timeout: float) -> int:
    """The exit code, from a thread of its own so that a command that hangs fails the test
    after ``timeout`` s (as ``subprocess.run(timeout=...)`` did) instead of the whole run."""
    codes: list[int] = []
    worker = threading.Thread(
        target=lambda: codes.append(_exit_code(argv)), name="pembina-main", daemon=True
    )
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"pembina {' '.join(argv)} still runs after {timeout} s")
    if not codes:
        raise RuntimeError(f"pembina {' '.join(argv)} ended without an exit code")
    return codes[0]


def _exit_code(argv: list[str]) -> int:
    """What the process would exit with: ``main``'s value, ``sys.exit``'s (argparse's
    ``--help`` and errors), or 1 with the traceback on stderr for an uncaught exception."""
    try:
        return main(argv)
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code
        print(stop.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1


def _text(data: bytes) -> str:
    """Bytes written to a pipe, read back as ``text=True`` reads them (universal newlines)."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    saved_tempdir = tempfile.tempdir
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # read TMPDIR again, as a new process would
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        tempfile.tempdir = saved_tempdir


@contextmanager
def _folder(cwd: Path) -> Iterator[None]:
    saved = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved)


class _Pipe(io.TextIOWrapper):
    """A text stream over bytes, as a pipe is: encoded UTF-8 (an unencodable character
    fails as it would in the process), not a terminal, no file descriptor."""

    def __init__(self) -> None:
        self.raw_bytes = io.BytesIO()
        super().__init__(self.raw_bytes, encoding="utf-8", write_through=True)

    def getvalue(self) -> bytes:
        self.flush()
        return self.raw_bytes.getvalue()


@contextmanager
def _streams(stdin: str) -> Iterator[tuple[_Pipe, _Pipe]]:
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = _Pipe(), _Pipe()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextmanager
def _fresh_logging() -> Iterator[None]:
    """A root logger without handlers (so ``basicConfig`` sets one up on the command's
    stderr, as in a new process); every logger's level as it was, afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    manager = logging.Logger.manager
    saved_levels = {
        name: logger.level
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root.handlers = []
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        for name, logger in list(manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger):
                continue
            if name in saved_levels:
                logger.setLevel(saved_levels[name])
            elif name in _TOUCHED_LOGGERS:
                logger.setLevel(logging.NOTSET)
