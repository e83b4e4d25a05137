"""``pembina jobs tick --at ...`` and ``pembina outbox status``: the scheduler by hand.

``jobs tick`` only queues: sending is left to the running bot (``pembina run``), whose one
sender keeps Telegram's limits and whose leases follow the wall clock.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot import timezones
from bot.app import operator_services
from bot.clock import FixedClock, SystemClock
from bot.config import Settings
from bot.flows.planning import Late
from bot.i18n import plain
from bot.scheduler import run_due_work
from storage import inbox, nudges, outbox

# How long each kind of history is kept, as the tick's summary states it.
RETENTION_DAYS = {
    "outbox_days": outbox.RETENTION.days,
    "nudge_days": nudges.RETENTION.days,
    "update_days": inbox.RETENTION.days,
}


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return SystemClock().now()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


async def _tick(settings: Settings, at_text: str | None, lang: str) -> int:
    at = _instant(at_text)
    if at is None:
        print(plain(lang, "cli.jobs.bad_instant", value=at_text or ""), file=sys.stderr)
        return 2
    async with operator_services(settings) as svc:
        clock = FixedClock(at)
        svc.clock = clock
        late: list[Late] = []
        done = await run_due_work(svc, late)
        print(plain(lang, "cli.jobs.header", at=at.strftime("%d-%m-%Y %H:%M %z")))
        for kind, count in done.items():
            what = plain(lang, f"cli.jobs.kind_{kind}", **RETENTION_DAYS)
            print(plain(lang, "cli.jobs.done", kind=what, count=count))
        for item in late:
            print(_late_line(lang, item))
        # A second process must not send: its leases would follow the --at clock, and the
        # running bot could take the same rows again. The bot sends what is queued.
        async with svc.db.read() as conn:
            counts = await outbox.counts(conn)
    print(
        plain(
            lang,
            "cli.jobs.queued",
            pending=counts.get("pending", 0),
            failed=counts.get("failed", 0),
        )
    )
    return 0


def _late_line(lang: str, item: Late) -> str:
    """Reminders that do not fit in their window, in the recipients' own zone: how many,
    the window, and when the last goes (how long after it closes)."""
    start, end, last = (
        timezones.local(at, item.zone) for at in (item.window_start, item.window_end, item.last)
    )
    after = int((item.last - item.window_end).total_seconds() // 60)
    return plain(
        lang,
        "cli.jobs.late",
        count=item.count,
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
        zone=timezones.label(item.zone),
        last=last.strftime("%d-%m-%Y %H:%M"),
        hours=after // 60,
        minutes=after % 60,
    )


async def _status(settings: Settings, lang: str) -> int:
    async with operator_services(settings) as svc, svc.db.read() as conn:
        counts = await outbox.counts(conn)
    print(
        plain(
            lang,
            "cli.outbox.status",
            pending=counts.get("pending", 0),
            sending=counts.get("sending", 0),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
        )
    )
    return 0


async def run_jobs_command(settings: Settings, args: argparse.Namespace) -> int:
    lang = settings.pembina_language
    if args.command == "outbox":
        return await _status(settings, lang)
    return await _tick(settings, args.at, lang)
