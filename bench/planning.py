"""Send-time planning benchmark: how long planning a national Friday takes, and its span.

Plans N reflection nudges (default 900 000) with ``bot.flows.planning.plan`` at the default
rate (80 % of Telegram's 29 a second) in three scenarios, and prints the seconds planning
took, the first and last planned minute (WIB), the span, and what did not fit:

- everyone in WIB, planned at 09:00 WIB;
- a national mix (70 % WIB, 20 % WITA, 10 % WIT), each zone planned by its own 09:00 tick
  around what the earlier zones' ticks planned (as the outbox would hold it);
- everyone in WIB behind a backlog of 100 000 messages already waiting (a late digest).

The database side (one grouped count over the outbox, ``storage.send_plan``) and the
writes are measured by ``bench/tick.py``.

    python bench/planning.py --people 900000
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime

from bot.flows import planning
from bot.timezones import local

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
FRIDAY_0900 = {
    WIT: datetime(2026, 12, 11, 0, 0, tzinfo=UTC),
    WITA: datetime(2026, 12, 11, 1, 0, tzinfo=UTC),
    WIB: datetime(2026, 12, 11, 2, 0, tzinfo=UTC),
}


def _report(
    label: str, seconds: float, zones: list[str], slots: list[datetime], now: datetime
) -> None:
    first, last = min(slots), max(slots)
    late = planning.late(now, zones, slots)
    overflow = sum(item.count for item in late)
    print(
        f"  {label:44} {seconds:6.2f} s  "
        f"{local(first, WIB):%H:%M}-{local(last, WIB):%H:%M} WIB  "
        f"span {(last - first).total_seconds() / 3600:4.1f} h  "
        f"after the window: {overflow}"
    )


def everyone_wib(size: int, backlog: int = 0) -> None:
    zones = [WIB] * size
    now = FRIDAY_0900[WIB]
    started = time.perf_counter()
    slots = planning.plan(now, zones, rate=planning.PLANNED_RATE, backlog=backlog)
    label = f"{size} WIB" + (f" behind {backlog} waiting" if backlog else "")
    _report(label, time.perf_counter() - started, zones, slots, now)


def national(size: int) -> None:
    shares = {WIT: 0.1, WITA: 0.2, WIB: 0.7}
    load: Counter[datetime] = Counter()
    every_zone: list[str] = []
    every_slot: list[datetime] = []
    started = time.perf_counter()
    for zone, share in shares.items():
        now = FRIDAY_0900[zone]
        zones = [zone] * int(size * share)
        # What the earlier ticks planned and the sender has not reached yet.
        waiting = {at: n for at, n in load.items() if at > now}
        slots = planning.plan(now, zones, rate=planning.PLANNED_RATE, load=waiting)
        load.update(slots)
        every_zone += zones
        every_slot += slots
    elapsed = time.perf_counter() - started
    first = FRIDAY_0900[WIT]
    _report(f"{size} national (WIT, WITA, WIB ticks)", elapsed, every_zone, every_slot, first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=900_000)
    size = parser.parse_args().people
    print(f"planned rate: {planning.PLANNED_RATE:.1f}/s ({planning.NUDGE_SHARE:.0%} of 29/s)")
    everyone_wib(size)
    national(size)
    everyone_wib(size, backlog=100_000)


if __name__ == "__main__":
    main()
