"""/ledgerjp [tahun] (/ledger [year]): the JP ledger as an XLSX and a CSV document."""

from __future__ import annotations

from functools import partial

from telegram import Update

from bot.exports.progress import Document, Progress
from bot.flows import ledger
from bot.handlers import export_job
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
    """Build both files for what this viewer may see, beside the chat, and send them."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    default = ledger.this_year(context.svc, viewer)
    year = _year(list(context.args or []), default)
    if year is None:
        await say(update, t(lang, "export.ledger.bad_year", year=default))
        return
    scope = await ledger.scope_of(context.svc, viewer)
    if scope is None:
        await say(update, t(lang, "export.ledger.not_allowed"))
        return
    svc = context.svc

    async def prepare() -> export_job.Build:
        found = await ledger.ledger_in(svc, scope, year)
        return partial(_files, found, lang)

    await export_job.start(
        update,
        context,
        lang=lang,
        what=plain(lang, "export.ledger.what", year=year),
        narrow=t(lang, "export.ledger.narrow", year=year - 1),
        parts=2,
        prepare=prepare,
    )


def _files(found: ledger.Ledger, lang: str, progress: Progress) -> list[Document]:
    """Both files (in a worker thread): the XLSX with the caption, then the CSV. The
    writers (openpyxl) are imported with the first ledger, not at every start."""
    from bot.exports import ledger_files

    name = plain(lang, "export.ledger.file_name", year=found.year)
    caption = t(
        lang,
        "export.ledger.caption",
        year=found.year,
        people=len(found.totals),
        rows=len(found.entries),
    )
    xlsx = ledger_files.ledger_xlsx(found, lang, progress.part(0))
    csv_data = ledger_files.ledger_csv(found, lang, progress.part(1))
    return [Document(f"{name}.xlsx", xlsx, caption), Document(f"{name}.csv", csv_data)]
