"""/ledgerjp [tahun] (/ledger [year]): the JP ledger as an XLSX and a CSV document."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot.exports import ledger_files
from bot.flows import ledger
from bot.handlers.common import say, viewer_of
from bot.handlers.context import Context
from bot.i18n import plain, t


def _year(args: list[str], default: int) -> int | None:
    """The year asked for (the current one when none is given); None when it is not one."""
    if not args:
        return default
    text = args[0].strip()
    year = int(text) if text.isdigit() and len(text) == 4 else 0
    return year if ledger.valid_year(year) else None


async def send(update: Update, context: Context) -> None:
    """Build both files for what this viewer may see and send them as documents."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    default = ledger.this_year(context.svc, viewer)
    year = _year(list(context.args or []), default)
    if year is None:
        await say(update, t(lang, "export.ledger.bad_year", year=default))
        return
    found = await ledger.ledger_for(context.svc, viewer, year)
    if found is None:
        await say(update, t(lang, "export.ledger.not_allowed"))
        return
    # openpyxl is synchronous and a large ledger takes a while: not on the event loop
    xlsx = await asyncio.to_thread(ledger_files.ledger_xlsx, found, lang)
    csv_data = ledger_files.ledger_csv(found, lang)
    name = plain(lang, "export.ledger.file_name", year=year)
    caption = t(
        lang, "export.ledger.caption", year=year, people=len(found.totals), rows=len(found.entries)
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(xlsx, filename=f"{name}.xlsx"), caption=caption, parse_mode=ParseMode.HTML
    )
    await chat.send_document(InputFile(csv_data, filename=f"{name}.csv"))
