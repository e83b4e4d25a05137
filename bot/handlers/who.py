"""/siapa [programme] (/who): a coordinator's lists of names, paged in one message.

``who:menu:<programme>`` shows the four list buttons again; ``who:<list>:<page>:<programme>``
shows a page (programme 0: every active programme). Pages are 0-based in the data and
counted from 1 on screen. Every press is checked again by the flow.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.flows import programmes, who
from bot.flows.buttons import Button, Keyboard
from bot.handlers.common import answer, edit, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t
from bot.presenter.digest import week_state
from bot.presenter.reflection import week_of
from bot.text_split import TELEGRAM_LIMIT, shorten, visible_len
from storage.models import Programme

BUTTON = "who"
FIELD_CAPS = (None, 80, 40, 20)  # user text per field, tried in turn until a page fits


def _menu(lang: str, programme: Programme | None) -> tuple[Html, Keyboard]:
    scope = programme.name if programme else None
    text = t(lang, "who.menu_one", programme=scope) if scope else t(lang, "who.menu_all")
    pid = programme.id if programme else 0
    keyboard = [
        [Button(t(lang, f"who.list.{item.value}"), callbacks.encode(BUTTON, item.value, 0, pid))]
        for item in who.WhoList
    ]
    return text, keyboard


async def show(update: Update, context: Context) -> None:
    """/siapa: the four lists as buttons (for one programme if it is named)."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    if not viewer.is_coordinator:
        await say(update, t(lang, "who.not_allowed"))
        return
    name = " ".join(context.args or [])
    programme = await programmes.by_name(context.svc, name) if name else None
    if name and programme is None:
        names = ", ".join(p.name for p in await programmes.all_programmes(context.svc))
        await say(update, t(lang, "who.unknown_programme", name=name[:100], names=names or "-"))
        return
    text, keyboard = _menu(lang, programme)
    await say(update, text, keyboard)


def _cut(value: str | None, cap: int | None) -> str:
    text = value or "-"
    return text if cap is None else shorten(text, cap)


def _line(lang: str, entry: who.Entry, which: who.WhoList, cap: int | None) -> Html:
    programme = (
        t(lang, "who.programme", programme=_cut(entry.programme, cap)) if entry.programme else ""
    )
    base = {"number": entry.number, "name": _cut(entry.name, cap), "unit": _cut(entry.unit, cap)}
    if which is who.WhoList.NO_REFLECTION:
        assert entry.week_state is not None
        assert entry.due_on is not None
        state = week_state(lang, [entry.week_state.value, entry.due_on.isoformat()])
        return t(lang, "who.line_reflection", **base, programme=programme, state=state)
    if which is who.WhoList.OVERDUE:
        assert entry.week_start is not None
        return t(
            lang,
            "who.line_review",
            **base,
            programme=programme,
            mentor=_cut(entry.mentor, cap),
            week=week_of(entry.week_start, lang),
            days=entry.days_waiting,
            stale=t(lang, "who.stale") if entry.stale else "",
        )
    return t(lang, "who.line", **base, programme=programme)


def page_text(lang: str, found: who.Page) -> Html:
    """The page as one message: user text is shortened (never the numbering) until it
    fits Telegram's limit, counted as Telegram counts."""
    scope = found.programme.name if found.programme else None
    header = t(
        lang,
        "who.header",
        title=t(lang, f"who.list.{found.which.value}"),
        scope=t(lang, "who.scope_one", programme=shorten(scope, 80)) if scope else "",
        total=found.total,
        page=found.index + 1,
        pages=found.pages,
    )
    if not found.entries:
        return Html(f"{header}\n\n{t(lang, f'who.empty.{found.which.value}')}")
    text = header
    for cap in FIELD_CAPS:
        lines = [_line(lang, e, found.which, cap) for e in found.entries]
        text = Html("\n".join([header, "", *lines]))
        if visible_len(text) <= TELEGRAM_LIMIT:
            break
    return text


def page_buttons(lang: str, found: who.Page) -> Keyboard:
    pid = found.programme.id if found.programme else 0
    which = found.which.value
    arrows = []
    if found.index > 0:
        data = callbacks.encode(BUTTON, which, found.index - 1, pid)
        arrows.append(Button(t(lang, "who.previous"), data))
    if found.index < found.pages - 1:
        data = callbacks.encode(BUTTON, which, found.index + 1, pid)
        arrows.append(Button(t(lang, "who.next"), data))
    back = [Button(t(lang, "who.back"), callbacks.encode(BUTTON, "menu", pid))]
    return [arrows, back] if arrows else [back]


async def on_button(update: Update, context: Context) -> None:
    """A list, a page of it, or the menu again; forged or vanished pages are refused."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    if not viewer.is_coordinator:
        await answer(query, t(lang, "who.not_allowed"), show_alert=True)
        return
    if press.action == "menu":
        pid = press.number(0)
        programme = await who.programme_or_all(context.svc, viewer, pid)
        if isinstance(programme, who.Refused):
            await answer(query, t(lang, f"who.{programme.value}"), show_alert=True)
            return
        await answer(query)
        await _edit(query, *_menu(lang, programme))
        return
    found = await who.page(context.svc, viewer, press.action, press.number(0), press.number(1))
    if isinstance(found, who.Refused):
        await answer(query, t(lang, f"who.{found.value}"), show_alert=True)
        return
    await answer(query)
    await _edit(query, page_text(lang, found), page_buttons(lang, found))


async def _edit(query: CallbackQuery, text: Html, keyboard: Keyboard) -> None:
    """Edit the pressed message; the same page pressed twice changes nothing, which
    Telegram reports as an error we need not show."""
    try:
        await edit(query, text, keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc):
            raise
