"""``pembina export ledger --year 2026 --out FILE``: the operator's JP ledger (everyone).

The operator stands where a coordinator does, so the file is a coordinator's: every
mentee, NIP included. The extension of ``--out`` picks the format.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import operator_services
from bot.config import Settings
from bot.exports import ledger_files
from bot.flows import ledger, weeks
from bot.i18n import plain

WRITERS = {".xlsx": ledger_files.ledger_xlsx, ".csv": ledger_files.ledger_csv}


async def run_export_command(settings: Settings, args: argparse.Namespace) -> int:
    lang = settings.pembina_language
    out: Path = args.out
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        print(plain(lang, "export.ledger.cli_bad_out", path=out), file=sys.stderr)
        return 2
    async with operator_services(settings) as svc:
        year = args.year or weeks.local_date(svc.clock.now(), svc.default_timezone).year
        found = await ledger.coordinator_ledger(svc, year)
    data = await asyncio.to_thread(writer, found, lang)
    try:
        await asyncio.to_thread(out.write_bytes, data)
    except OSError as exc:
        print(plain(lang, "export.ledger.cli_unwritable", path=out, reason=exc), file=sys.stderr)
        return 2
    people, rows = len(found.totals), len(found.entries)
    print(plain(lang, "export.ledger.cli_written", year=year, path=out, people=people, rows=rows))
    return 0
