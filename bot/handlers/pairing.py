"""/mentor, /mentees, /programs, /match and the pairing buttons."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot import callbacks
from bot.flows import pairing, programmes
from bot.flows.buttons import Button
from bot.flows.pairing import Answer
from bot.handlers.common import Press, answer, edit, pressed, say, say_long, viewer_of
from bot.handlers.context import Context
from bot.handlers.coordinator import programme_buttons
from bot.i18n import Html, t
from bot.presenter.pairing import end_reason_buttons, offer_buttons
from bot.text_split import pack

log = logging.getLogger(__name__)


async def show_mentor(update: Update, context: Context) -> None:
    """/mentor: the mentee's mentor in each programme, or a way to ask for one."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    views = await pairing.my_pairs(context.svc, viewer, "mentee")
    if not views:
        ask = [[Button(t(lang, "pair.ask_mentor"), callbacks.encode("pair", "ask"))]]
        await say(update, t(lang, "pair.no_mentor"), ask if viewer.person else None)
        return
    for view in views:
        status = t(lang, f"pair.status_{view.pairing.status}")
        text = t(
            lang,
            "pair.your_mentor",
            programme=view.programme.name,
            mentor=view.other.name,
            status=status,
        )
        buttons = None
        if view.pairing.status == "active":
            buttons = [
                [Button(t(lang, "pair.end"), callbacks.encode("pair", "end", view.pairing.id))]
            ]
        await say(update, text, buttons)


async def show_mentees(update: Update, context: Context) -> None:
    """/mentees: the mentor's mentees; open offers come with Accept / Decline."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    views = await pairing.my_pairs(context.svc, viewer, "mentor")
    if not views:
        await say(update, t(lang, "pair.no_mentees"))
        return
    for view in views:
        text = t(
            lang,
            "pair.your_mentee",
            mentee=view.other.name,
            unit=view.other.unit or "-",
            programme=view.programme.name,
            status=t(lang, f"pair.status_{view.pairing.status}"),
        )
        if view.pairing.status == "offered":
            buttons = offer_buttons(lang, view.pairing.id)
        else:
            buttons = [
                [Button(t(lang, "pair.end"), callbacks.encode("pair", "end", view.pairing.id))]
            ]
        await say(update, text, buttons)


async def on_pair_button(update: Update, context: Context) -> None:
    """``pair:ok|no:<id>``, ``pair:ask``, the parties' ``end|endr|endx`` and the
    coordinators' ``stop|stopr|keep``; the flows check who may press them."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    action = press.action
    pairing_id = press.number(0)
    if action == "ask":
        if await pairing.request_mentor(context.svc, viewer):
            await answer(query)
            await edit(query, t(lang, "pair.asked_mentor"))
            return
    elif action in ("ok", "no") and pairing_id is not None:
        answered = await pairing.respond(context.svc, viewer, pairing_id, accept=action == "ok")
        if answered.outcome in (Answer.ACCEPTED, Answer.DECLINED):
            await answer(query)
            mentee = answered.mentee.name if answered.mentee else "?"
            key = "pair.accepted" if answered.outcome is Answer.ACCEPTED else "pair.declined"
            await edit(query, t(lang, key, mentee=mentee))
            return
        if answered.outcome is Answer.STALE:
            await answer(query, t(lang, "pair.stale"), show_alert=True)
            return
        log.warning("pairing button %r refused for %s", query.data, viewer.telegram_id)
        await answer(query, t(lang, "pair.not_yours"), show_alert=True)
        return
    elif action in ("stop", "stopr", "keep") and pairing_id is not None:
        await _coordinator_end(context, press, pairing_id)
        return
    elif action in ("end", "endr", "endx") and pairing_id is not None:
        await _party_end(update, context, press, pairing_id)
        return
    await answer(query, t(lang, "common.invalid_button"), show_alert=True)


async def _party_end(update: Update, context: Context, press: Press, pairing_id: int) -> None:
    """``end`` asks why (reasons + Cancel); ``endr:<reason>`` sends the request to the
    coordinators; ``endx`` cancels and nothing changes."""
    query, viewer, action = press.query, press.viewer, press.action
    lang = viewer.language
    view = await pairing.party_pairing(context.svc, viewer, pairing_id)
    reason = press.text(1) or ""
    if view is None or (
        action == "endr"
        and await pairing.ask_to_end(context.svc, viewer, pairing_id, reason) is None
    ):
        await answer(query, t(lang, "pair.stale"), show_alert=True)
        return
    await answer(query)
    if action == "end":
        buttons = end_reason_buttons(lang, pairing_id, decide=False)
        await say(update, t(lang, "pair.end_ask_reason", other=view.other.name), buttons)
    elif action == "endx":
        await edit(query, t(lang, "pair.end_cancelled", other=view.other.name))
    else:
        why = t(lang, f"pair.end_reason.{reason}")
        await edit(query, t(lang, "pair.end_sent", other=view.other.name, reason=why))


async def _coordinator_end(context: Context, press: Press, pairing_id: int) -> None:
    """``stop`` asks for the reason (or Keep); ``stopr:<reason>`` ends; ``keep`` keeps."""
    query, viewer, action = press.query, press.viewer, press.action
    lang = viewer.language
    if not viewer.is_coordinator:
        await answer(query, t(lang, "common.not_allowed"), show_alert=True)
        return
    original = query.message.text_html if isinstance(query.message, Message) else ""
    note = t(lang, "pair.stop_ask_reason")
    card = original.removesuffix(f"\n\n{note}")  # the notice as first sent
    if action == "stop":
        await answer(query)
        buttons = end_reason_buttons(lang, pairing_id, decide=True)
        await edit(query, Html(f"{card}\n\n{note}"), buttons)
        return
    if action == "keep":
        outcome = await pairing.keep_pairing(context.svc, viewer, pairing_id)
        done = "pair.kept_coordinator"
    else:
        reason = press.text(1) or ""
        outcome = await pairing.end_pairing(context.svc, viewer, pairing_id, reason)
        done = "pair.ended_coordinator"
    if outcome in (pairing.ByHand.ENDED, pairing.ByHand.KEPT):
        await answer(query)
        await edit(query, Html(f"{card}\n\n{t(lang, done)}"))
        return
    key = "common.not_allowed" if outcome is pairing.ByHand.NOT_ALLOWED else "pair.stale"
    await answer(query, t(lang, key), show_alert=True)


async def show_programmes(update: Update, context: Context) -> None:
    """/programs (coordinators): each programme with members and pairing counts."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    if not viewer.is_coordinator:
        await say(update, t(lang, "common.not_allowed"))
        return
    found = await programmes.summaries(context.svc)
    if not found:
        await say(update, t(lang, "programme.none"))
        return
    lines = [t(lang, "programme.list_header")]
    for item in found:
        p = item.programme
        lines.append(
            t(
                lang,
                "programme.list_line",
                name=p.name,
                kind=t(lang, f"programme.kind.{p.kind}"),
                starts=p.starts_on.isoformat(),
                ends=p.ends_on.isoformat(),
                weekday=t(lang, f"weekday.{p.reflection_weekday}"),
                mentees=item.mentees,
                mentors=item.mentors,
                paired=item.paired,
            )
        )
    shown = [item.programme for item in found]
    # Each programme's card (edit questions or milestones, end it), while they fit as buttons.
    await say_long(
        update, lines, programme_buttons(shown) if len(shown) <= MATCH_BUTTONS else None
    )


MATCH_BUTTONS = 8  # up to this many programmes, /match without a name offers one button each


async def match(update: Update, context: Context) -> None:
    """/match NAME (coordinators): the proposed pairs with their reasons, and a button to send.
    Without a name, or with one that matches no programme, the programmes are offered."""
    viewer = await viewer_of(update, context)
    lang = viewer.language
    if not viewer.is_coordinator:
        await say(update, t(lang, "common.not_allowed"))
        return
    name = " ".join(context.args or [])
    programme = await programmes.by_name(context.svc, name) if name else None
    if programme is None:
        await _choose_programme(update, context, lang, name)
        return
    plan = await pairing.plan_for(context.svc, programme)
    await say_long(update, _plan_lines(lang, plan), _apply_button(lang, plan))


async def _choose_programme(update: Update, context: Context, lang: str, name: str) -> None:
    """Buttons for a few programmes; their names to type when there are many."""
    found = await programmes.all_programmes(context.svc)
    if not found:
        await say(update, t(lang, "programme.none"))
        return
    lead = t(lang, "match.unknown_programme", name=name[:100]) + "\n" if name else ""
    if len(found) <= MATCH_BUTTONS:
        buttons = [[Button(p.name[:60], callbacks.encode("match", "plan", p.id))] for p in found]
        await say(update, Html(lead + t(lang, "match.choose")), buttons)
        return
    names = ", ".join(p.name for p in found)
    await say(update, Html(lead + t(lang, "match.usage", names=names)))


def _plan_lines(lang: str, plan: pairing.Plan) -> list[Html]:
    if not plan.proposals and not plan.unmatched:
        return [t(lang, "match.nothing")]
    lines = [
        t(lang, "match.preview_header", programme=plan.programme.name, count=len(plan.proposals))
    ]
    for proposal in plan.proposals:
        reasons = ", ".join(t(lang, f"match.reason.{r}") for r in proposal.reasons)
        if not plan.reachable(proposal):
            reasons += f" · {t(lang, 'match.not_joined')}"
        lines.append(
            t(
                lang,
                "match.pair_line",
                mentee=plan.people[proposal.mentee_id].name,
                mentor=plan.people[proposal.mentor_id].name,
                reasons=Html(reasons),
            )
        )
    if plan.unmatched:
        lines += [Html(""), t(lang, "match.unmatched_header", count=len(plan.unmatched))]
        lines += [
            t(
                lang,
                "match.unmatched_line",
                mentee=plan.people[u.mentee_id].name,
                reason=t(lang, f"match.unmatched.{u.reason}"),
            )
            for u in plan.unmatched
        ]
    return lines


def _apply_button(lang: str, plan: pairing.Plan) -> list[list[Button]] | None:
    if not plan.proposals:
        return None
    return [[Button(t(lang, "match.apply"), callbacks.encode("match", "go", plan.programme.id))]]


async def on_match_button(update: Update, context: Context) -> None:
    """``match:plan:<programme id>`` shows the proposal for a programme chosen by button;
    ``match:go:<programme id>`` sends the offers (recomputed, so never over capacity)."""
    press = await pressed(update, context)
    query, viewer = press.query, press.viewer
    lang = viewer.language
    programme_id = press.number(0)
    programme = await programmes.by_id(context.svc, programme_id) if programme_id else None
    if programme is None:
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    if press.action == "plan":  # chosen from /match's buttons: show the proposal
        if not viewer.is_coordinator:
            await answer(query, t(lang, "common.not_allowed"), show_alert=True)
            return
        await answer(query)
        proposal = await pairing.plan_for(context.svc, programme)
        lines, buttons = _plan_lines(lang, proposal), _apply_button(lang, proposal)
        if len(pack(lines)) == 1:  # fits: the choice becomes the proposal
            await edit(query, Html("\n".join(lines)), buttons)
        else:
            await say_long(update, lines, buttons)
        return
    if press.action != "go":
        await answer(query, t(lang, "common.invalid_button"), show_alert=True)
        return
    plan = await pairing.apply(context.svc, viewer, programme)
    if plan is None:
        await answer(query, t(lang, "common.not_allowed"), show_alert=True)
        return
    await answer(query)
    await edit(query, _applied_text(lang, plan))


def _applied_text(lang: str, plan: pairing.Plan) -> Html:
    """How many offers went out, and which wait for mentors who have not joined yet."""
    sent = len(plan.proposals) - len(plan.waiting)
    lines: list[str] = [t(lang, "match.applied", count=sent)]
    if plan.waiting:
        lines += [
            "",
            t(
                lang,
                "match.applied_waiting",
                count=len(plan.waiting),
                hours=plan.programme.offer_hours,
            ),
        ]
        lines += [
            t(
                lang,
                "match.waiting_line",
                mentor=plan.people[p.mentor_id].name,
                mentee=plan.people[p.mentee_id].name,
            )
            for p in plan.waiting
        ]
    return Html("\n".join(lines))
