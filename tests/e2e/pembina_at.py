"""``pembina`` with its clock moved to a given instant, for tests of real processes.

``python -m tests.e2e.pembina_at 2026-12-14T00:45:00+00:00 run`` is ``pembina run`` whose
clock starts at that instant and then runs on with the wall clock (so leases and pacing
behave as in production), the way the in-process fixtures inject a clock.
"""

from __future__ import annotations

import sys
from datetime import datetime

from bot.cli import main
from bot.clock import ShiftedClock


def run(argv: list[str]) -> int:
    clock = ShiftedClock()
    clock.jump_to(datetime.fromisoformat(argv[0]))
    return main(argv[1:], clock=clock)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
