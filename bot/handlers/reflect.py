"""/refleksi: the weekly reflection, one question at a time, then a summary to send."""

from __future__ import annotations

from telegram import Message, Update

from bot import callbacks
from bot.flows import dialogue, limits, reflection
from bot.flows.buttons import Button, Keyboard
from bot.flows.identity import Viewer
from bot.flows.reflection import Screen, Show
from bot.handlers.common import answer, pressed, say, tell_left, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t
from bot.presenter import reflection as present
from bot.presenter.templates import question_text
from storage.models import Conversation

PREVIEW = 500


def _question(viewer: Viewer, screen: Screen) -> Html:
    assert screen.programme is not None
    assert screen.reflection is not None
    assert screen.index is not None
    lang = viewer.language
    questions = screen.programme.questions
    parts = [
        t(
            lang,
            "reflect.question",
            programme=screen.programme.name,
            week=present.week_label(screen.reflection, lang),
            number=screen.index + 1,
            total=len(questions),
            question=question_text(questions[screen.index], lang),
        )
    ]
    current = screen.reflection.answers.get(str(screen.index))
    if current:
        shown = current if len(current) <= PREVIEW else current[:PREVIEW] + "…"
        parts.append(t(lang, "reflect.current_answer", answer=shown))
    parts.append(t(lang, "reflect.hint"))
    return Html("\n\n".join(parts))


def _summary_buttons(viewer: Viewer, screen: Screen) -> Keyboard:
    assert screen.reflection is not None
    assert screen.programme is not None
    lang = viewer.language
    rid = screen.reflection.id
    edits = [
        Button(
            t(lang, "reflect.edit_button", number=i + 1), callbacks.encode("rf", "edit", rid, i)
        )
        for i in range(len(screen.programme.questions))
    ]
    return [
        edits,
        [
            Button(t(lang, "reflect.send"), callbacks.encode("rf", "send", rid)),
            Button(t(lang, "reflect.stop"), callbacks.encode("rf", "stop")),
        ],
    ]


async def _summary(update: Update, viewer: Viewer, screen: Screen) -> None:
    assert screen.reflection is not None
    assert screen.programme is not None
    lang = viewer.language
    status = (
        t(lang, f"reflect.status_{screen.reflection.status}")
        if screen.reflection.status in ("submitted", "revision", "draft")
        else ""
    )
    header = t(
        lang,
        "reflect.summary_header",
        programme=screen.programme.name,
        week=present.week_label(screen.reflection, lang),
        status=status,
    )
    parts = present.summary_parts(screen.reflection, screen.programme, lang)
    footer = t(lang, screen.problem or "reflect.summary_footer")
    messages = present.chunks_for(header, parts, lang, footer)
    for text in messages[:-1]:
        await say(update, Html(text))
    await say(update, Html(messages[-1]), _summary_buttons(viewer, screen))


async def show(update: Update, viewer: Viewer, screen: Screen) -> None:
    """Put a reflection screen in the chat."""
    lang = viewer.language
    week = present.week_label(screen.reflection, lang) if screen.reflection else ""
    if screen.show is Show.QUESTION:
        text = _question(viewer, screen)
        if screen.problem:
            text = Html(f"{t(lang, screen.problem, **limits.SHOWN)}\n\n{text}")
        await say(update, text)
    elif screen.show is Show.MORE:
        await say(
            update,
            t(lang, "reflect.more"),
            [[Button(t(lang, "reflect.next"), callbacks.encode("rf", "next"))]],
        )
    elif screen.show is Show.SUMMARY:
        await _summary(update, viewer, screen)
    elif screen.show is Show.SUBMITTED:
        late = t(lang, "reflect.late") if screen.reflection and screen.reflection.late else ""
        key = "reflect.sent" if screen.has_mentor else "reflect.sent_no_mentor"
        await say(update, t(lang, key, week=week, late=late))
    elif screen.show is Show.APPROVED:
        await say(update, t(lang, "reflect.approved", week=week))
    elif screen.show is Show.CHOOSE:
        buttons = [
            [Button(p.name[:60], callbacks.encode("rf", "open", p.id))] for p in screen.choices
        ]
        await say(update, t(lang, "reflect.choose"), buttons)
    elif screen.show is Show.CHOOSE_WEEK and screen.programme is not None:
        pid = screen.programme.id
        buttons = [
            [Button(t(lang, "reflect.this_week"), callbacks.encode("rf", "week", pid, 0))],
            [Button(t(lang, "reflect.last_week"), callbacks.encode("rf", "week", pid, 1))],
        ]
        await say(update, t(lang, "reflect.choose_week"), buttons)
    elif screen.show is Show.CHOOSE_REVISION and screen.reflection and screen.programme:
        buttons = [
            [
                Button(
                    t(lang, "reflect.fix_revision", week=week),
                    callbacks.encode("rf", "fix", screen.reflection.id),
                )
            ],
            [
                Button(
                    t(lang, "reflect.this_week"),
                    callbacks.encode("rf", "week", screen.programme.id, 0),
                )
            ],
        ]
        text = t(lang, "reflect.revision_waiting", week=week, programme=screen.programme.name)
        await say(update, text, buttons)
    elif screen.show is Show.EVIDENCE:
        await say(update, t(lang, "reflect.evidence", count=screen.evidence))
    elif screen.show in (Show.NOT_MENTEE, Show.NO_PROGRAMME):
        await say(update, t(lang, f"reflect.{screen.show.value}"))


async def _tell_left(
    update: Update, context: Context, viewer: Viewer, before: Conversation | None, screen: Screen
) -> None:
    """``tell_left`` after a reflection step, without reading the dialogue again when no
    switch can have happened: a reflection step leaves the stored dialogue as it was,
    closed, or on the reflection it shows, so a reflection dialogue that was already on
    that reflection (or a screen showing none) was not replaced by another."""
    if before is not None and before.flow == reflection.FLOW:
        shown = screen.reflection.id if screen.reflection is not None else None
        if shown is None or before.data.get("reflection_id") == shown:
            return
    await tell_left(update, context, viewer, before)


async def start(update: Update, context: Context) -> None:
    """/refleksi"""
    viewer = await viewer_of(update, context)
    before = await dialogue.current(context.svc, viewer.telegram_id)
    screen = await reflection.open_week(context.svc, viewer)
    await _tell_left(update, context, viewer, before, screen)
    await show(update, viewer, screen)


async def on_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    message = update.effective_message
    message_id = message.message_id if message else None
    await show(update, viewer, await reflection.answer(context.svc, viewer, text, message_id))


async def on_edit(
    update: Update, context: Context, viewer: Viewer, message_id: int, text: str
) -> bool:
    """An edited message that answered a question of a reflection still open: that answer
    is updated (or the edit refused, nothing changed), then the open step is shown again.
    False if the message answered nothing open."""
    revised = await reflection.revise(context.svc, viewer, message_id, text)
    if revised is None:
        return False
    lang = viewer.language
    week = present.week_label(revised.reflection, lang)
    number = revised.index + 1
    if revised.problem is None:
        note = t(lang, "reflect.edit_saved", number=number, week=week)
    else:
        note = t(lang, "reflect.edit_refused", number=number, problem=t(lang, revised.problem))
    if revised.again is None:
        note = Html(f"{note}\n{t(lang, 'reflect.edit_continue')}")
    await say(update, note)
    if revised.again is not None:
        await show(update, viewer, revised.again)
    return True


async def on_media(update: Update, context: Context, viewer: Viewer, message: Message) -> None:
    """A photo or document is evidence; anything else gets a hint and the same question."""
    kind, file_id, unique = None, None, None
    if message.photo:
        kind, file_id, unique = (
            "photo",
            message.photo[-1].file_id,
            message.photo[-1].file_unique_id,
        )
    elif message.document:
        kind, file_id, unique = (
            "document",
            message.document.file_id,
            message.document.file_unique_id,
        )
    if kind and file_id:
        screen = await reflection.add_evidence(
            context.svc, viewer, kind, file_id, unique, message.caption
        )
        await show(update, viewer, screen)
        return
    resumed = await reflection.open_week(context.svc, viewer)
    if resumed.show is Show.QUESTION:
        resumed.problem = "reflect.non_text"
    await show(update, viewer, resumed)


async def on_button(update: Update, context: Context) -> None:
    """The reflection buttons: open, edit an answer, send, stop for now, next part."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    action = press.action
    first = press.number(0)
    second = press.number(1)
    svc = context.svc
    before = await dialogue.current(svc, viewer.telegram_id)
    if action == "open" and first is not None:
        screen = await reflection.open_week(svc, viewer, first)
    elif action == "week" and first is not None and second in (0, 1):
        screen = await reflection.open_week(svc, viewer, first, second)
    elif action == "fix" and first is not None:
        screen = await reflection.open_reflection(svc, viewer, first)
    elif action == "edit" and first is not None and second is not None:
        screen = await reflection.edit(svc, viewer, first, second)
    elif action == "send" and first is not None:
        screen = await reflection.submit(svc, viewer, first)
    elif action == "next":
        screen = await reflection.next_question(svc, viewer)
    elif action == "stop":
        stopped = await reflection.stop(svc, viewer)
        screen = Screen(Show.SAVED if stopped else Show.INVALID_BUTTON)
    else:
        screen = Screen(Show.INVALID_BUTTON)
    if screen.show is Show.INVALID_BUTTON:
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    await answer(query)
    await _tell_left(update, context, viewer, before, screen)
    if screen.show is Show.SAVED:
        await say(update, t(viewer.language, "reflect.stopped"))
        return
    await show(update, viewer, screen)
