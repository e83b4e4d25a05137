"""/start: join with an invite code, greet a member, or begin registration for a stranger."""

from __future__ import annotations

from telegram import Update

from bot import menus
from bot.flows import join_requests, registration
from bot.flows.identity import Viewer
from bot.flows.onboarding import Redeemed, redeem_invite
from bot.flows.services import Services
from bot.handlers.common import apply_menu, roles_text, say, viewer_of
from bot.handlers.context import Context
from bot.handlers.register import ask
from bot.i18n import Html, t

_REFUSED = {
    Redeemed.USED: "start.invite_used",
    Redeemed.UNKNOWN: "start.invite_unknown",
    Redeemed.EXPIRED: "start.invite_expired",
}


def greeting(
    viewer: Viewer, svc: Services, waiting_requests: int = 0, waiting_offers: int = 0
) -> Html:
    """Hello by name, the role, and what this person can do next (the digest's day and
    time as configured)."""
    lang = viewer.language
    person = viewer.person
    if person is None:
        parts = [t(lang, "start.admin_greeting")]
    else:
        unit = t(lang, "start.unit_suffix", unit=person.unit) if person.unit else ""
        roles = Html(roles_text(viewer))
        parts = [t(lang, "start.greeting", name=person.name, role=roles, unit=unit)]
        digest_at = {
            "day": t(lang, f"weekday.{svc.digest_weekday}"),
            "time": svc.digest_time.strftime("%H:%M"),
        }
        parts += [
            t(lang, f"start.next_{r}", **(digest_at if r == "supervisor" else {}))
            for r in menus.ROLE_ORDER
            if r in viewer.roles
        ]
        parts.append(t(lang, "start.help_hint"))
    if waiting_requests:
        parts.append(t(lang, "start.pending_requests", count=waiting_requests))
    if waiting_offers:
        parts.append(t(lang, "start.offers_waiting", count=waiting_offers))
    return Html("\n\n".join(parts))


async def _greet(update: Update, context: Context, viewer: Viewer, offers: int = 0) -> None:
    waiting = await join_requests.pending(context.svc, viewer)
    await say(update, greeting(viewer, context.svc, len(waiting or []), offers))
    await apply_menu(context, viewer)


async def start(update: Update, context: Context) -> None:
    """Deep link ``/start <code>`` joins; plain ``/start`` greets or starts registration."""
    user = update.effective_user
    assert user is not None
    if context.args:
        result = await redeem_invite(context.svc, context.args[0], user.id)
        viewer = await viewer_of(update, context)
        if result.outcome in (Redeemed.JOINED, Redeemed.ALREADY_YOURS):
            await _greet(update, context, viewer, result.offers)
            if result.offers:
                context.svc.outbox_wake()  # the waiting offers, after the welcome
        elif result.outcome is Redeemed.TAKEN:
            await say(update, t(viewer.language, "start.invite_taken"))
        elif result.outcome is Redeemed.ACCOUNT_TAKEN and result.person is not None:
            await say(update, t(viewer.language, "start.account_taken", name=result.person.name))
        else:
            await say(update, t(viewer.language, _REFUSED[result.outcome]))
        return
    viewer = await viewer_of(update, context)
    if viewer.known:
        await _greet(update, context, viewer)
        return
    began = await registration.begin(context.svc, viewer)
    if began.outcome is registration.Outcome.ALREADY_PENDING and began.request:
        await say(update, t(viewer.language, "register.already_pending", nip=began.request.nip))
        return
    if began.step is registration.Step.NIP and not began.data:
        await say(update, t(viewer.language, "start.stranger_intro"))
    else:
        await say(update, t(viewer.language, "register.resume"))
    await ask(update, viewer, began)
