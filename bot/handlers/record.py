"""/kartu [NIP] (/record [NIP]): a mentee's consultation record as a PDF and a CSV.

A mentee gets their own (choosing the programme if they take part in several); a mentor
or supervisor picks one of their people from buttons (``kt:<person>:<programme>``); a
coordinator names a NIP. Rights are checked by ``bot.flows.record`` on every path, the
button's too, so a forged press is refused like a foreign NIP.
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot import callbacks
from bot.flows import record
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.flows.record import Choice, Record, Refused
from bot.handlers.common import answer, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import person_name, t

BUTTON_TEXT = 60


def _refusal(viewer: Viewer, refused: Refused) -> str:
    key = {
        Refused.NOBODY: "not_allowed",
        Refused.NOT_FOUND: "not_found",
        Refused.NOT_YOURS: "not_yours",
        Refused.BAD_NIP: "bad_nip",
        Refused.NO_PROGRAMME: "not_found",
    }[refused]
    return t(viewer.language, f"export.record.{key}")


def _buttons(found: list[Choice], by_programme: bool, lang: str) -> Keyboard:
    rows = []
    for choice in found:
        name = person_name(lang, choice.name)
        text = choice.programme if by_programme else f"{name} · {choice.programme}"
        if len(text) > BUTTON_TEXT:
            text = text[: BUTTON_TEXT - 1] + "…"
        rows.append([Button(text, callbacks.encode("kt", choice.person_id, choice.programme_id))])
    return rows


def _files(found: Record, lang: str) -> tuple[bytes, bytes, str]:
    """The PDF, the CSV and their file name (in a worker thread). The writers (fpdf2,
    matplotlib) are imported with the first record, not at every start."""
    from bot.exports import record_files

    return (
        record_files.record_pdf(found, lang),
        record_files.record_csv(found, lang),
        record_files.file_stem(found.mentee.name, found.programme, lang),
    )


async def _send(update: Update, viewer: Viewer, found: Record) -> None:
    """The PDF (with a caption) and the CSV, built off the event loop."""
    lang = viewer.language
    pdf, csv_data, stem = await asyncio.to_thread(_files, found, lang)
    caption = t(
        lang,
        "export.record.caption",
        name=found.mentee.name,
        programme=found.programme,
        sessions=len(found.sessions),
        reflections=len(found.reflections),
        milestones=len(found.milestones),
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(pdf, filename=f"{stem}.pdf"), caption=caption, parse_mode=ParseMode.HTML
    )
    await chat.send_document(InputFile(csv_data, filename=f"{stem}.csv"))


async def _offer(update: Update, context: Context, viewer: Viewer, found: list[Choice]) -> None:
    """One record: sent at once; several: buttons (too many: ask for a NIP)."""
    lang = viewer.language
    if len(found) == 1:
        got = await record.record_for(
            context.svc, viewer, found[0].person_id, found[0].programme_id
        )
        if isinstance(got, Refused):
            await say(update, _refusal(viewer, got))
        else:
            await _send(update, viewer, got)
        return
    if len(found) > record.MAX_CHOICES:
        await say(update, t(lang, "export.record.too_many", count=len(found)))
        return
    one_person = len({c.person_id for c in found}) == 1
    key = "choose_programme" if one_person else "choose"
    await say(update, t(lang, f"export.record.{key}"), _buttons(found, one_person, lang))


async def send(update: Update, context: Context) -> None:
    """/kartu [NIP]"""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    args = list(context.args or [])
    if args:
        found = await record.choices_for_nip(context.svc, viewer, "".join(args))
        if isinstance(found, Refused):
            await say(update, _refusal(viewer, found))
            return
        await _offer(update, context, viewer, found)
        return
    choices = await record.choices(context.svc, viewer)
    if not choices:
        key = "ask_nip" if viewer.is_coordinator else "not_allowed"
        await say(update, t(lang, f"export.record.{key}"))
        return
    await _offer(update, context, viewer, choices)


async def on_button(update: Update, context: Context) -> None:
    """``kt:<person>:<programme>``: the record, if this reader may have it."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    # ``pressed`` reads the first field as the action: here it is the person's id.
    person_id = int(press.action) if press.action.isdigit() and len(press.action) < 19 else None
    programme_id = press.number(0)
    if person_id is None or programme_id is None:
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    got = await record.record_for(context.svc, viewer, person_id, programme_id)
    if isinstance(got, Refused):
        await answer(query, _refusal(viewer, got), show_alert=True)
        return
    await answer(query)
    await _send(update, viewer, got)
