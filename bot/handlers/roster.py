"""A roster sent in chat: a coordinator sends the spreadsheet as a document, outside any
dialogue, and gets the import summary and the invite links back as a file."""

from __future__ import annotations

from telegram import Document, InputFile, Update
from telegram.constants import ParseMode

from bot.flows import roster_import
from bot.flows.identity import Viewer
from bot.flows.roster import RowError, hints
from bot.handlers.common import say
from bot.handlers.context import Context
from bot.i18n import Html, t
from bot.text_split import split_text

SHOWN_ERRORS = 10  # the rest are counted: a whole broken sheet would be a wall of text


def wants(viewer: Viewer, document: Document | None) -> bool:
    """Whether this message is a roster upload for us to take (coordinators only)."""
    return (
        viewer.is_coordinator
        and document is not None
        and roster_import.looks_like_roster(document.file_name or "")
    )


async def on_document(
    update: Update, context: Context, viewer: Viewer, document: Document
) -> None:
    """Download, validate and import; problems are listed by line and nothing changes."""
    lang = viewer.language
    if (document.file_size or 0) > roster_import.MAX_UPLOAD_BYTES:
        mb = str(roster_import.MAX_UPLOAD_BYTES // (1024 * 1024))
        await say(update, t(lang, "roster.too_big", mb=mb))
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    upload = await roster_import.upload_roster(
        context.svc, viewer, data, document.file_name or "roster.csv"
    )
    if not upload.allowed:
        await say(update, t(lang, "common.not_allowed"))
    elif upload.report is None:
        assert upload.parsed is not None
        for part in split_text(_rejection(lang, upload.parsed.errors)):
            await say(update, Html(part))
    else:
        await _imported(update, context, lang, upload.report)


def _rejection(lang: str, errors: list[RowError]) -> str:
    lines = [t(lang, "roster.rejected", count=len(errors)), ""]
    for error in errors[:SHOWN_ERRORS]:
        reason = t(lang, f"roster.error.{error.key}", **error.values)
        lines.append(t(lang, "roster.line", line=error.line, reason=Html(reason)))
    if len(errors) > SHOWN_ERRORS:
        lines.append(t(lang, "roster.more", count=len(errors) - SHOWN_ERRORS))
    for key in hints(errors):
        lines += ["", t(lang, key)]
    return "\n".join(lines)


async def _imported(
    update: Update, context: Context, lang: str, report: roster_import.ImportReport
) -> None:
    await say(
        update,
        t(
            lang,
            "roster.imported",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            joined=report.already_joined,
        ),
    )
    if not report.invites:
        return
    chat = update.effective_chat
    assert chat is not None
    csv_text = roster_import.invites_csv(report, context.svc.bot_username or "")
    await chat.send_document(
        InputFile(csv_text.encode("utf-8-sig"), filename=t(lang, "roster.invites_file")),
        caption=t(lang, "roster.invites_caption", count=len(report.invites)),
        parse_mode=ParseMode.HTML,
    )
