"""/tonggak (/milestones): the mentee's milestones with their state and a button to mark
one done; the mentor's Confirm / Not yet buttons (``ms:ok|no:<mark>:<round>``)."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot import callbacks
from bot.flows import milestones
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.flows.milestones import Item, Screen, Show
from bot.handlers.common import answer, edit, pressed, say, say_long, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, plain, t
from bot.presenter.templates import milestone_plain, milestone_title
from bot.text_split import pack

BUTTON_TITLE = 40  # characters of a title on a button


def _line(item: Item, lang: str) -> Html:
    m = item.milestone
    return t(
        lang,
        f"milestones.line_{item.state}",
        title=milestone_title(m.title, lang),
        due=m.due_on.strftime("%d-%m-%Y") if m.due_on else "-",
    )


def _button_title(item: Item, lang: str) -> str:
    text = milestone_plain(item.milestone.title, lang)
    return text if len(text) <= BUTTON_TITLE else text[: BUTTON_TITLE - 1] + "…"


def _listing(screen: Screen, lang: str) -> tuple[list[str], Keyboard]:
    """The list's blocks and a "mark done" button per open milestone."""
    blocks: list[str] = []
    keyboard: Keyboard = []
    for found in screen.lists:
        lines = [t(lang, "milestones.programme", programme=found.programme.name)]
        lines += [_line(item, lang) for item in found.items]
        blocks.append("\n".join(lines))
        keyboard += [
            [
                Button(
                    plain(lang, "milestones.mark_button", title=_button_title(item, lang)),
                    callbacks.encode("ms", "done", item.milestone.id),
                )
            ]
            for item in found.items
            if item.state == "open"
        ]
    blocks.append(t(lang, "milestones.hint" if keyboard else "milestones.all_marked"))
    return blocks, keyboard


async def _show_list(update: Update, screen: Screen, lang: str) -> None:
    blocks, keyboard = _listing(screen, lang)
    await say_long(update, blocks, keyboard or None, separator="\n\n")


async def _refresh(query: CallbackQuery, context: Context, viewer: Viewer) -> None:
    """The list a milestone was marked from shows its new state (when it is one message)."""
    screen = await milestones.overview(context.svc, viewer)
    blocks, keyboard = _listing(screen, viewer.language)
    messages = pack(blocks, separator="\n\n")
    if screen.show is Show.LIST and len(messages) == 1:
        await edit(query, Html(messages[0]), keyboard or None)


async def show(update: Update, context: Context) -> None:
    """/tonggak"""
    viewer = await viewer_of(update, context)
    screen = await milestones.overview(context.svc, viewer)
    if screen.show is Show.NONE:
        await say(update, t(viewer.language, "milestones.none"))
        return
    await _show_list(update, screen, viewer.language)


async def on_button(update: Update, context: Context) -> None:
    """``ms:done:<milestone>`` (mentee), ``ms:ok|no:<mark>:<round>`` (mentor)."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    first, second = press.number(0), press.number(1)
    svc = context.svc
    if press.action == "done" and first is not None:
        screen = await milestones.mark_done(svc, viewer, first)
    elif press.action in ("ok", "no") and first is not None and second is not None:
        screen = await milestones.answer(svc, viewer, first, second, confirm=press.action == "ok")
    else:
        screen = Screen(Show.INVALID)
    if screen.show is Show.INVALID or screen.title is None:
        await answer(query, t(lang, "milestones.invalid"), show_alert=True)
        return
    await answer(query)
    title = milestone_title(screen.title, lang)
    if screen.show in (Show.MARKED, Show.MARKED_NO_MENTOR):
        await _refresh(query, context, viewer)
        await say(update, t(lang, f"milestones.{screen.show.value}", title=title))
        return
    outcome = t(lang, f"milestones.answered_{screen.show.value}", mentee=screen.mentee or "-")
    await edit(query, Html(f"{t(lang, 'milestones.which', title=title)}\n\n{outcome}"))
