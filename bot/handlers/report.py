"""/laporan [name] (/report [name]): a programme's report as an XLSX document.

With one programme to report on (or one whose name contains the words given) it comes at
once; with several, a button per programme (``rp:p:<id>``). A press is only a claim:
``bot.flows.report.report_for`` checks again that the presser may see someone there.
"""

from __future__ import annotations

import re

from telegram import Update

from bot import callbacks
from bot.exports.progress import Document, Progress
from bot.flows import report
from bot.flows.buttons import Button
from bot.flows.identity import Viewer
from bot.flows.report import ProgrammeReport
from bot.handlers import export_job
from bot.handlers.common import answer, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, number, plain, t
from storage.models import Programme

BUTTON = "rp"
MAX_BUTTONS = 40  # active programmes first; a province rarely runs more at once
LABEL_MAX = 60


async def send(update: Update, context: Context) -> None:
    """The report, or a choice of programmes, or why not."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    found = await report.programmes_for(context.svc, viewer)
    if found is None:
        await say(update, t(lang, "export.report.not_allowed"))
        return
    if not found:
        await say(update, t(lang, "export.report.none"))
        return
    wanted = " ".join(context.args or []).strip()
    if wanted:  # /laporan part of a name: past the buttons' limit, or to skip the choice
        found = [p for p in found if wanted.casefold() in p.name.casefold()]
        if not found:
            await say(update, t(lang, "export.report.no_match", name=wanted))
            return
    if len(found) == 1:
        await _deliver(update, context, viewer, found[0])
        return
    keyboard = [
        [Button(p.name[:LABEL_MAX], callbacks.encode(BUTTON, "p", p.id))]
        for p in found[:MAX_BUTTONS]
    ]
    await say(update, t(lang, "export.report.choose", count=len(found)), keyboard)


async def on_button(update: Update, context: Context) -> None:
    """``rp:p:<programme id>``: that programme's report, if the presser may have it."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    programme_id = press.number(0) if press.action == "p" else None
    allowed = await report.programmes_for(context.svc, viewer) or []
    chosen = next((p for p in allowed if p.id == programme_id), None)
    if chosen is None:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await _deliver(update, context, viewer, chosen)


async def _deliver(update: Update, context: Context, viewer: Viewer, programme: Programme) -> None:
    """Count and write beside the chat (``export_job``): a whole programme of ten thousand
    people takes seconds to count and more to write, with a status message meanwhile."""
    lang, svc = viewer.language, context.svc

    async def prepare() -> export_job.Build:
        data = await report.report_for(svc, viewer, programme)
        if data is None:  # the programme or the viewer's people went meanwhile
            raise LookupError(programme.id)
        return lambda progress: _files(data, lang, progress)

    await export_job.start(
        update,
        context,
        lang=lang,
        what=plain(lang, "export.report.what", programme=programme.name),
        narrow=t(lang, "export.report.narrow"),
        parts=1,
        prepare=prepare,
    )


def _files(data: ProgrammeReport, lang: str, progress: Progress) -> list[Document]:
    """The workbook (in a worker thread), with its key figures as the caption. The writer
    (openpyxl, matplotlib) is imported with the first report, not at every start."""
    from bot.exports import report_files

    xlsx = report_files.report_xlsx(data, lang, progress.part(0))
    return [Document(file_name(data, lang), xlsx, caption(data, lang))]


def file_name(data: ProgrammeReport, lang: str) -> str:
    """``laporan-perubahan-2027-2026-12-07.xlsx``: plain ASCII, whatever the name."""
    slug = re.sub(r"[^a-z0-9]+", "-", data.programme.name.lower()).strip("-")[:40] or "program"
    made = data.made_on.isoformat()
    return f"{plain(lang, 'export.report.file_name', programme=slug, date=made)}.xlsx"


def caption(data: ProgrammeReport, lang: str) -> Html:
    """The figures people look for first (well under Telegram's 1024 for a caption: the
    programme name is at most 200 characters)."""
    rate = f"{number(100 * data.submitted / data.expected, lang, 0)}%" if data.expected else "-"
    median = data.turnaround.median_hours
    return t(
        lang,
        "export.report.caption",
        programme=data.programme.name,
        scope=plain(lang, f"export.report.scope_{data.scope}"),
        mentees=data.participation.mentees,
        rate=rate,
        median="-" if median is None else number(median, lang),
        sessions=data.sessions.confirmed,
        at_risk=len(data.at_risk),
    )
