"""Coordinators decide join requests: /requests and the Approve / Reject buttons."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.flows import join_requests
from bot.flows.identity import who
from bot.flows.join_requests import Decided
from bot.flows.registration import request_facts
from bot.handlers.common import answer, apply_menu, edit, pressed, say, viewer_of
from bot.handlers.context import Context
from bot.i18n import Html, plain, t
from bot.presenter.join import decision_buttons, link_anyway_buttons, request_card

log = logging.getLogger(__name__)
MAX_LISTED = 10


async def list_requests(update: Update, context: Context) -> None:
    """/requests: every waiting request, each with its decision buttons."""
    viewer = await viewer_of(update, context)
    waiting = await join_requests.pending_cards(context.svc, viewer)
    if waiting is None:
        await say(update, t(viewer.language, "common.not_allowed"))
        return
    if not waiting:
        await say(update, t(viewer.language, "join.none_pending"))
        return
    await say(update, t(viewer.language, "join.list_header", count=len(waiting)))
    for request, match in waiting[:MAX_LISTED]:
        text = request_card(viewer.language, request_facts(request, match))
        await say(update, text, decision_buttons(viewer.language, request.id))


async def on_decision(update: Update, context: Context) -> None:
    """``jr:ok|force:<id>:<role>`` or ``jr:no:<id>``; rights are checked by the flow."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    request_id = press.number(0)
    action = press.action
    if request_id is None or action not in ("ok", "force", "no"):
        await answer(query, t(viewer.language, "common.invalid_button"), show_alert=True)
        return
    role = press.text(1) if action != "no" else None
    decision = await join_requests.decide(
        context.svc, viewer, request_id, approve=action != "no", role=role, force=action == "force"
    )
    lang = viewer.language
    if decision.outcome is Decided.NOT_ALLOWED:
        log.warning("join decision refused: %s is not a coordinator", viewer.telegram_id)
        await answer(query, t(lang, "common.not_allowed"), show_alert=True)
        return
    if decision.outcome is Decided.NOT_FOUND:
        await answer(query, t(lang, "join.not_found"), show_alert=True)
        return
    if decision.outcome is Decided.NIP_TAKEN:
        await answer(query, t(lang, "join.nip_taken"), show_alert=True)
        return
    if decision.outcome is Decided.INVITE_OPEN and decision.person and role:
        warning = plain(lang, "join.invite_open_alert", roster_name=decision.person.name[:60])
        await answer(query, warning, show_alert=True)
        original = query.message.text_html if isinstance(query.message, Message) else ""
        note = t(
            lang,
            "join.invite_open_choice",
            roster_name=decision.person.name,
            nip=decision.person.nip or "-",
        )
        buttons = link_anyway_buttons(lang, request_id, role, decision.person.name)
        await edit(query, Html(f"{original}\n\n{note}"), buttons)
        return
    if decision.outcome is Decided.ALREADY_DECIDED:
        assert decision.request is not None
        note = t(
            lang, "join.already_decided", status=t(lang, f"join.status.{decision.request.status}")
        )
    elif decision.outcome is Decided.APPROVED:
        note = t(lang, "join.decided_approved", role=t(lang, f"role.{role}"))
    else:
        note = t(lang, "join.decided_rejected")
    await answer(query, note)
    original = query.message.text_html if isinstance(query.message, Message) else ""
    await edit(query, Html(f"{original}\n\n{note}"))
    if decision.outcome is Decided.APPROVED and decision.request is not None:
        applicant = await who(context.svc, decision.request.telegram_id)
        await apply_menu(context, applicant)
