"""Stopping the real ``pembina`` processes the end-to-end tests start."""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress


async def stop_gently(process: asyncio.subprocess.Process, timeout: float = 20) -> None:
    """SIGTERM (the bot finishes what it has in hand), then SIGKILL after ``timeout``."""
    if process.returncode is not None:
        return
    with suppress(ProcessLookupError):  # killed already, not yet reaped
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
