"""A coordinator manages programmes and people in chat: the programme card with its edit
and end buttons, /gantimentor (/setmentor), /nonaktif (/deactivate), /aktifkan
(/activate) and /audit.

Every flow checks the right again; these handlers only parse and word.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.flows import audit, coordination, dialogue, pairing, programme_admin, programmes
from bot.flows.buttons import Button, Keyboard
from bot.flows.coordination import StatusSet
from bot.flows.identity import Viewer
from bot.flows.nip import clean_nip
from bot.flows.pairing import Changed
from bot.flows.programme_admin import MILESTONES, QUESTIONS, EditScreen, Ending
from bot.handlers.common import answer, edit, pressed, say, say_long, tell_left, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, t
from bot.presenter.audit import entry_text, milestone_text, question_text
from bot.text_split import pack
from storage.models import Milestone, Programme

# ---- the programme card, editing and ending ------------------------------------------


def programme_buttons(programmes_shown: list[Programme]) -> Keyboard:
    """One button per programme under /programs, opening its card."""
    return [[Button(p.name[:60], callbacks.encode("pg", "open", p.id))] for p in programmes_shown]


def _questions(lang: str, questions: list[dict[str, object]]) -> str:
    return "\n".join(f"{n}. {question_text(lang, q)}" for n, q in enumerate(questions, 1)) or str(
        t(lang, "audit.value.none")
    )


def _milestones(lang: str, found: list[Milestone]) -> str:
    return "\n".join(
        f"• {milestone_text(lang, m.title, m.due_on.isoformat() if m.due_on else None)}"
        for m in found
    ) or str(t(lang, "audit.value.none"))


def _card(lang: str, screen: EditScreen) -> tuple[Html, Keyboard | None]:
    programme = screen.programme
    assert programme is not None
    text = t(
        lang,
        "manage.card",
        name=programme.name,
        status=t(lang, f"audit.value.{programme.status}"),
        questions=_questions(lang, screen.questions_before),
        milestones=_milestones(lang, screen.milestones_before),
    )
    if programme.status != "active":
        return text, None
    pid = programme.id
    return text, [
        [Button(t(lang, "manage.edit_questions"), callbacks.encode("pg", "q", pid))],
        [Button(t(lang, "manage.edit_milestones"), callbacks.encode("pg", "m", pid))],
        [Button(t(lang, "manage.end"), callbacks.encode("pg", "end", pid))],
    ]


def _ask(lang: str, screen: EditScreen) -> Html:
    assert screen.programme is not None
    if screen.what == QUESTIONS:
        current = _questions(lang, screen.questions_before)
    else:
        current = _milestones(lang, screen.milestones_before)
    return t(lang, f"manage.ask_{screen.what}", name=screen.programme.name, current=current)


async def on_button(update: Update, context: Context) -> None:
    """``pg:open|q|m|end|endok|endno:<programme id>``; the flows check the rights."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    programme_id = press.number(0)
    if not viewer.is_coordinator:
        await answer(query, t(lang, "common.not_allowed"), show_alert=True)
        return
    if programme_id is None:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    action = press.action
    if action == "open":
        screen = await programme_admin.card(context.svc, viewer, programme_id)
        if screen.programme is None:
            await answer(query, t(lang, "common.invalid_button"), show_alert=True)
            return
        await answer(query)
        text, buttons = _card(lang, screen)
        await say_long(update, [text], buttons)
    elif action in ("q", "m"):
        before = await dialogue.current(context.svc, viewer.telegram_id)
        what = QUESTIONS if action == "q" else MILESTONES
        screen = await programme_admin.begin_edit(context.svc, viewer, programme_id, what)
        if screen.programme is None or screen.outcome != "ask":
            key = "manage.already_ended" if screen.outcome == "ended" else "common.invalid_button"
            await answer(query, t(lang, key), show_alert=True)
            return
        await answer(query)
        await tell_left(update, context, viewer, before)
        await say_long(update, [_ask(lang, screen)])
    elif action == "end":
        screen = await programme_admin.card(context.svc, viewer, programme_id)
        if screen.programme is None or screen.programme.status != "active":
            await answer(query, t(lang, "manage.already_ended"), show_alert=True)
            return
        await answer(query)
        buttons = [
            [
                Button(t(lang, "manage.end_yes"), callbacks.encode("pg", "endok", programme_id)),
                Button(t(lang, "manage.end_no"), callbacks.encode("pg", "endno", programme_id)),
            ]
        ]
        await say(update, t(lang, "manage.end_confirm", name=screen.programme.name), buttons)
    elif action == "endok":
        result = await programme_admin.end_programme(context.svc, viewer, programme_id)
        if result.outcome is Ending.ENDED and result.programme is not None:
            await answer(query)
            await edit(
                query,
                t(
                    lang,
                    "manage.ended",
                    name=result.programme.name,
                    pairings=result.pairings_ended,
                    told=result.told,
                ),
            )
        elif result.outcome is Ending.ALREADY:
            await answer(query, t(lang, "manage.already_ended"), show_alert=True)
        else:
            await answer(query, t(lang, "common.invalid_button"), show_alert=True)
    elif action == "endno":
        await answer(query)
        await edit(query, t(lang, "manage.end_kept"))
    else:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)


async def on_text(update: Update, context: Context, viewer: Viewer, text: str) -> None:
    """The new list, one item per line: saved and shown before → after, or refused with
    the reason (the step stays open to try again)."""
    lang = viewer.language
    screen = await programme_admin.answer_edit(context.svc, viewer, text)
    if screen.outcome == "done":
        assert screen.programme is not None
        if screen.what == QUESTIONS:
            before = _questions(lang, screen.questions_before)
            after = _questions(lang, screen.questions_after)
        else:
            before = _milestones(lang, screen.milestones_before)
            after = _milestones(lang, screen.milestones_after)
        await say_long(
            update,
            [
                t(lang, f"manage.saved_{screen.what}", name=screen.programme.name),
                t(lang, "manage.before", items=before),
                t(lang, "manage.after", items=after),
            ],
            separator="\n\n",
        )
    elif screen.outcome in ("not_found", "not_allowed"):
        await say(update, t(lang, "common.not_allowed"))
    elif screen.outcome == "ended":
        await say(update, t(lang, "manage.already_ended"))
    else:
        await say(update, t(lang, f"manage.problem.{screen.outcome}"))


# ---- a pair changed by hand ------------------------------------------------------------


async def _coordinator(update: Update, context: Context) -> Viewer | None:
    """The viewer if a coordinator; anyone else is told politely and nothing happens."""
    viewer = await viewer_of(update, context)
    if not viewer.is_coordinator:
        await say(update, t(viewer.language, "common.not_allowed"))
        return None
    return viewer


NIP_DIGITS = 18


def _take_nip(args: list[str]) -> tuple[str, list[str]]:
    """The first NIP of the arguments, written whole or in groups (``19950317 202012 1
    005``), and what follows it."""
    digits, used = "", 0
    while used < len(args) and len(digits) < NIP_DIGITS and clean_nip(args[used]).isdigit():
        digits += clean_nip(args[used])
        used += 1
    return digits, args[used:]


async def change_mentor(update: Update, context: Context) -> None:
    """/changementor NIP_MENTEE NIP_MENTOR [programme]: the mentee's pairing ends and one
    with the new mentor starts; everyone concerned is told."""
    viewer = await _coordinator(update, context)
    if viewer is None:
        return
    lang = viewer.language
    mentee_nip, rest = _take_nip(list(context.args or []))
    mentor_nip, rest = _take_nip(rest)
    if not (mentee_nip and mentor_nip):
        await say(update, t(lang, "manage.change_usage"))
        return
    name = " ".join(rest)
    programme = await programmes.by_name(context.svc, name) if name else None
    if name and programme is None:
        await say(update, t(lang, "match.unknown_programme", name=name[:100]))
        return
    result = await pairing.change_mentor(context.svc, viewer, mentee_nip, mentor_nip, programme)
    if result.outcome is Changed.CHANGED:
        assert result.mentee is not None
        assert result.mentor is not None
        assert result.programme is not None
        await say(
            update,
            t(
                lang,
                "manage.changed",
                mentee=result.mentee.name,
                mentor=result.mentor.name,
                old=result.old_mentor.name if result.old_mentor else "-",
                programme=result.programme.name,
            ),
        )
        return
    await say(
        update,
        t(
            lang,
            f"manage.change_refused.{result.outcome.value}",
            mentee=result.mentee.name if result.mentee else "-",
            mentor=result.mentor.name if result.mentor else "-",
            programme=(
                result.programme.name if result.programme else t(lang, "manage.any_programme")
            ),
            names=", ".join(result.choices),
        ),
    )


# ---- inactive / active again ---------------------------------------------------------


async def _set_active(update: Update, context: Context, *, active: bool) -> None:
    viewer = await _coordinator(update, context)
    if viewer is None:
        return
    lang = viewer.language
    if not context.args:
        await say(
            update, t(lang, "manage.activate_usage" if active else "manage.deactivate_usage")
        )
        return
    raw = "".join(context.args)
    result = await coordination.set_active(context.svc, viewer, raw, active=active)
    if result.outcome is StatusSet.UNKNOWN_NIP or result.person is None:
        await say(update, t(lang, "invite.unknown_nip", nip=raw[:40]))
        return
    state = "active" if active else "inactive"
    key = "manage.status_set" if result.outcome is StatusSet.DONE else "manage.status_same"
    await say(
        update,
        t(lang, key, name=result.person.name, status=t(lang, f"audit.value.{state}")),
    )


async def deactivate(update: Update, context: Context) -> None:
    """/deactivate NIP: no nudges for this person, shown as inactive."""
    await _set_active(update, context, active=False)


async def activate(update: Update, context: Context) -> None:
    """/activate NIP: active again."""
    await _set_active(update, context, active=True)


# ---- /audit ------------------------------------------------------------------------


def _page_blocks(viewer: Viewer, page: audit.Page) -> tuple[list[Html], Keyboard | None]:
    lang = viewer.language
    if not page.entries:
        return [t(lang, "audit.empty")], None
    first, last = page.offset + 1, page.offset + len(page.entries)
    header = t(
        lang,
        "audit.header_programme" if page.programme else "audit.header",
        first=first,
        last=last,
        total=page.total,
        programme=page.programme.name if page.programme else "",
    )
    blocks = [header, *(entry_text(lang, viewer.timezone, e) for e in page.entries)]
    pid = page.programme.id if page.programme else 0
    row = []
    if page.has_newer:
        row.append(Button("◀", callbacks.encode("au", "p", page.offset - audit.PAGE, pid)))
    if page.has_older:
        row.append(Button("▶", callbacks.encode("au", "p", page.offset + audit.PAGE, pid)))
    return blocks, [row] if row else None


async def show_audit(update: Update, context: Context) -> None:
    """/audit [programme]: coordinators' actions, newest first, ten a page."""
    viewer = await _coordinator(update, context)
    if viewer is None:
        return
    name = " ".join(context.args or [])
    programme = await programmes.by_name(context.svc, name) if name else None
    if name and programme is None:
        await say(update, t(viewer.language, "match.unknown_programme", name=name[:100]))
        return
    page = await audit.page(context.svc, viewer, 0, programme)
    assert page is not None
    blocks, buttons = _page_blocks(viewer, page)
    await say_long(update, blocks, buttons, separator="\n\n")


async def on_audit_button(update: Update, context: Context) -> None:
    """``au:p:<offset>:<programme id or 0>``: another page, in place."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    offset, programme_id = press.number(0), press.number(1)
    programme = await programmes.by_id(context.svc, programme_id) if programme_id else None
    if press.action != "p" or offset is None or (programme_id and programme is None):
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    page = await audit.page(context.svc, viewer, offset, programme)
    if page is None:
        await answer(query, t(lang, "common.not_allowed"), show_alert=True)
        return
    await answer(query)
    blocks, buttons = _page_blocks(viewer, page)
    if len(pack(blocks)) == 1:  # fits: the page turns in place
        try:
            await edit(query, Html("\n\n".join(blocks)), buttons)
        except BadRequest as error:  # a double tap: that page is already shown
            if "not modified" not in error.message:
                raise
    else:
        await say_long(update, blocks, buttons, separator="\n\n")
