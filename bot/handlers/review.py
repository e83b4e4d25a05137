"""Mentors review in chat: the review buttons, the comment text, and /review."""

from __future__ import annotations

from telegram import Message, Update

from bot import callbacks, timezones
from bot.flows import dialogue, review
from bot.flows.buttons import Button
from bot.flows.identity import Viewer
from bot.flows.review import Reviewed
from bot.handlers.common import (
    answer,
    clear_buttons,
    edit,
    pressed,
    say,
    say_long,
    tell_left,
    viewer_of,
)
from bot.handlers.context import Context
from bot.i18n import Html, t
from bot.presenter.reflection import week_label

PREVIEW = 300
_ALERTS = {
    Reviewed.ALREADY_APPROVED: "review.already_approved",
    Reviewed.STALE: "review.stale",
    Reviewed.NOT_ALLOWED: "review.not_allowed",
}


async def on_button(update: Update, context: Context) -> None:
    """``rv:ok|cm|rev:<reflection>:<version>`` and ``rv:show:<reflection>``."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    action = press.action
    reflection_id = press.number(0)
    version = press.number(1)
    if action == "show" and reflection_id is not None:
        if await review.resend(context.svc, viewer, reflection_id):
            await answer(query, t(lang, "review.resent"))
            return
        await answer(query, t(lang, "review.stale"), show_alert=True)
        return
    if action in ("use", "drop"):
        await _held_answer(update, context, viewer, action == "use")
        return
    if action not in ("ok", "cm", "rev") or reflection_id is None or version is None:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    before = await dialogue.current(context.svc, viewer.telegram_id)
    outcome = await review.decide(context.svc, viewer, reflection_id, version, action)
    if outcome.result in _ALERTS:
        await answer(query, t(lang, _ALERTS[outcome.result]), show_alert=True)
        return
    await answer(query)
    assert outcome.mentee is not None
    if outcome.result is Reviewed.APPROVED:
        original = query.message.text_html if isinstance(query.message, Message) else ""
        await edit(query, Html(f"{original}\n\n{t(lang, 'review.approved')}"))
    else:
        await tell_left(update, context, viewer, before)
        key = "review.ask_comment" if action == "cm" else "review.ask_revision"
        await say(update, t(lang, key, mentee=outcome.mentee.name))


async def on_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    """The comment or revision text the mentor was asked for."""
    lang = viewer.language
    outcome = await review.comment_text(context.svc, viewer, text)
    if outcome.result is Reviewed.SENT and outcome.mentee is not None:
        key = "review.sent_revision" if outcome.decision == "rev" else "review.sent_comment"
        await say(update, t(lang, key, mentee=outcome.mentee.name))
    elif outcome.result is Reviewed.DROPPED:
        await _say_dropped(update, viewer, outcome)
    elif outcome.result in (Reviewed.EMPTY, Reviewed.TOO_LONG):
        await say(update, t(lang, f"review.{outcome.result.value}"))
    elif outcome.result in _ALERTS:
        await say(update, t(lang, _ALERTS[outcome.result]))


async def _say_dropped(update: Update, viewer: Viewer, outcome: review.Outcome) -> None:
    mentee = outcome.mentee.name if outcome.mentee else "-"
    await say(update, t(viewer.language, "review.held_dropped", mentee=mentee))


async def on_stale_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    """A text long after "Comment" was tapped: ask before it goes to the mentee."""
    lang = viewer.language
    outcome = await review.hold(context.svc, viewer, text)
    if outcome.result is Reviewed.HELD and outcome.mentee is not None:
        key = "review.held_revision" if outcome.decision == "rev" else "review.held_comment"
        shown = outcome.text or ""
        shown = shown if len(shown) <= PREVIEW else shown[:PREVIEW] + "…"
        buttons = [
            [
                Button(t(lang, "review.held_use"), callbacks.encode("rv", "use")),
                Button(t(lang, "review.held_drop"), callbacks.encode("rv", "drop")),
            ]
        ]
        await say(update, t(lang, key, mentee=outcome.mentee.name, text=shown), buttons)
    elif outcome.result is Reviewed.DROPPED:
        await _say_dropped(update, viewer, outcome)


async def _held_answer(update: Update, context: Context, viewer: Viewer, use: bool) -> None:
    """Yes or no to sending a text that arrived after the comment dialogue went stale."""
    query = update.callback_query
    assert query is not None
    lang = viewer.language
    outcome = await (review.use_held if use else review.drop_held)(context.svc, viewer)
    if outcome.result is Reviewed.NOT_ACTIVE:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await clear_buttons(query)
    if outcome.result is Reviewed.SENT and outcome.mentee is not None:
        key = "review.sent_revision" if outcome.decision == "rev" else "review.sent_comment"
        await say(update, t(lang, key, mentee=outcome.mentee.name))
    elif outcome.result is Reviewed.DROPPED:
        await _say_dropped(update, viewer, outcome)
    elif outcome.result in _ALERTS:
        await say(update, t(lang, _ALERTS[outcome.result]))


async def on_other(update: Update, context: Context, viewer: Viewer) -> None:
    await say(update, t(viewer.language, "review.non_text"))


async def waiting(update: Update, context: Context) -> None:
    """/review: what waits for this mentor, oldest first, each with a button to see it."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    found = await review.waiting(context.svc, viewer)
    if not found:
        await say(update, t(lang, "review.none_waiting"))
        return
    lines = [t(lang, "review.waiting_header", count=len(found))]
    buttons = []
    for item in found[:20]:
        sent_at = item.reflection.submitted_at
        stamp = (
            timezones.local(sent_at, viewer.timezone).strftime("%d-%m %H:%M") if sent_at else "-"
        )
        lines.append(
            t(
                lang,
                "review.waiting_line",
                mentee=item.mentee.name,
                programme=item.programme.name,
                week=week_label(item.reflection, lang),
                sent=stamp,
            )
        )
        buttons.append(
            [
                Button(
                    f"{t(lang, 'review.show')} · {item.mentee.name}"[:60],
                    callbacks.encode("rv", "show", item.reflection.id),
                )
            ]
        )
    await say_long(update, lines, buttons)
