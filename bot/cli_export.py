"""``pembina export ledger --year 2026 --out FILE``: the operator's JP ledger (everyone);
``pembina export report --programme NAME --out FILE.xlsx``: one programme's report;
``pembina export record --nip NIP [--programme NAME] --out FILE``: one mentee's
consultation record.

The operator stands where a coordinator does, so the files are a coordinator's: every
mentee, NIP included. The extension of ``--out`` picks the format.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import operator_services
from bot.config import Settings
from bot.exports import ledger_files, record_files, report_files
from bot.flows import ledger, record, report, weeks
from bot.flows.identity import Viewer
from bot.i18n import plain
from storage import programmes

WRITERS = {".xlsx": ledger_files.ledger_xlsx, ".csv": ledger_files.ledger_csv}
RECORD_WRITERS = {".pdf": record_files.record_pdf, ".csv": record_files.record_csv}


async def run_export_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.export_command == "report":
        return await _report(settings, args)
    if args.export_command == "record":
        return await run_record_export(settings, args)
    return await _ledger(settings, args)


async def _written(out: Path, data: bytes, lang: str) -> bool:
    """Write the file; on failure say why in one line (a folder that does not exist, no
    permission) instead of a traceback."""
    try:
        await asyncio.to_thread(out.write_bytes, data)
    except OSError as exc:
        print(plain(lang, "export.ledger.cli_unwritable", path=out, reason=exc), file=sys.stderr)
        return False
    return True


async def _ledger(settings: Settings, args: argparse.Namespace) -> int:
    lang = settings.pembina_language
    out: Path = args.out
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        print(plain(lang, "export.ledger.cli_bad_out", path=out), file=sys.stderr)
        return 2
    async with operator_services(settings) as svc:
        year = args.year or weeks.local_date(svc.clock.now(), svc.default_timezone).year
        found = await ledger.coordinator_ledger(svc, year)
    if not await _written(out, await asyncio.to_thread(writer, found, lang), lang):
        return 2
    people, rows = len(found.totals), len(found.entries)
    print(plain(lang, "export.ledger.cli_written", year=year, path=out, people=people, rows=rows))
    return 0


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    """The programme's report as a coordinator sees it; an unknown name lists the real ones."""
    lang = settings.pembina_language
    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        print(plain(lang, "export.report.cli_bad_out", path=out), file=sys.stderr)
        return 2
    async with operator_services(settings) as svc:
        found = await report.coordinator_report(svc, args.programme)
        if found is None:
            async with svc.db.read() as conn:
                known = ", ".join(p.name for p in await programmes.list_programmes(conn))
            message = plain(
                lang, "export.report.cli_unknown", programme=args.programme, names=known or "-"
            )
            print(message, file=sys.stderr)
            return 2
    if not await _written(
        out, await asyncio.to_thread(report_files.report_xlsx, found, lang), lang
    ):
        return 2
    written = plain(
        lang,
        "export.report.cli_written",
        programme=found.programme.name,
        path=out,
        mentees=found.participation.mentees,
        weeks=found.expected,
    )
    print(written)
    return 0


async def run_record_export(settings: Settings, args: argparse.Namespace) -> int:
    """One mentee's consultation record (``--programme`` when they take part in several)."""
    lang = settings.pembina_language
    out: Path = args.out
    writer = RECORD_WRITERS.get(out.suffix.lower())
    if writer is None:
        print(plain(lang, "export.record.cli_bad_out", path=out), file=sys.stderr)
        return 2
    options: list[record.Choice] | record.Refused = []
    async with operator_services(settings) as svc:
        found = await record.coordinator_record(svc, args.nip, args.programme)
        if found is record.Refused.NO_PROGRAMME:
            operator = Viewer(0, None, True, lang, svc.default_timezone)
            options = await record.choices_for_nip(svc, operator, args.nip)
    if isinstance(found, record.Refused):
        if found is record.Refused.NO_PROGRAMME:
            names = ", ".join(c.programme for c in options) if isinstance(options, list) else "-"
            message = plain(lang, "export.record.cli_no_programme", names=names)
        else:
            key = "cli_bad_nip" if found is record.Refused.BAD_NIP else "cli_not_found"
            message = plain(lang, f"export.record.{key}", nip=args.nip)
        print(message, file=sys.stderr)
        return 2
    if not await _written(out, await asyncio.to_thread(writer, found, lang), lang):
        return 2
    written = plain(
        lang, "export.record.cli_written", name=found.mentee.name, programme=found.programme,
        path=out,
    )  # fmt: skip
    print(written)
    return 0
