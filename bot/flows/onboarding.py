"""Joining with a personal invite link: ``/start <code>`` binds the account to a roster entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import recipients
from bot.flows.pairing import deliver_waiting_offers
from bot.flows.services import Services
from storage import conversations, invites, join_requests, people
from storage.models import Person

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Redeemed(StrEnum):
    JOINED = "joined"
    ALREADY_YOURS = "already_yours"
    USED = "used"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    ACCOUNT_TAKEN = "account_taken"
    TAKEN = "taken"  # an unused invite whose person is bound to another account


@dataclass(frozen=True, slots=True)
class RedeemResult:
    outcome: Redeemed
    person: Person | None = None
    offers: int = 0  # mentoring offers that waited for this person and are sent now


async def _report_taken(
    svc: Services,
    conn: AsyncConnection,
    invite_id: int,
    target: Person,
    telegram_id: int,
    now: datetime,
) -> None:
    """Someone opened a person's own, never used invite, but another account already speaks
    for that person (linked through a join request): likely the wrong one. Coordinators
    hear of it at once, with the command that undoes it."""
    told = await recipients.tell_coordinators(
        svc,
        conn,
        "unlink.invite_taken_coordinator",
        f"invite-taken:{invite_id}:{telegram_id}",
        now,
        name=target.name,
        nip=target.nip or "-",
    )
    if told:
        svc.outbox_wake()


async def redeem_invite(svc: Services, code: str, telegram_id: int) -> RedeemResult:
    """Bind ``telegram_id`` to the invite's person, if the code is good and still open."""
    if not _CODE.match(code):
        return RedeemResult(Redeemed.UNKNOWN)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        invite = await invites.get_invite(conn, code)
        if invite is None:
            return RedeemResult(Redeemed.UNKNOWN)
        target = await people.get_person(conn, invite.person_id)
        mine = await people.get_person_by_telegram(conn, telegram_id)
        if target is None:
            return RedeemResult(Redeemed.UNKNOWN)
        if mine is not None and mine.id == target.id:
            return RedeemResult(Redeemed.ALREADY_YOURS, mine)
        if invite.used_at is None and target.telegram_id is not None and mine is None:
            await _report_taken(svc, conn, invite.id, target, telegram_id, now)
            return RedeemResult(Redeemed.TAKEN, target)
        if invite.used_at is not None or target.telegram_id is not None:
            return RedeemResult(Redeemed.USED)
        if invite.expires_at <= now:
            return RedeemResult(Redeemed.EXPIRED)
        if mine is not None:
            return RedeemResult(Redeemed.ACCOUNT_TAKEN, mine)
        if not await invites.mark_used(conn, invite.id, telegram_id, now):
            return RedeemResult(Redeemed.USED)
        await people.update_person(conn, target.id, now, telegram_id=telegram_id)
        await conversations.clear_conversation(conn, telegram_id)
        pending = await join_requests.pending_for_telegram(conn, telegram_id)
        if pending is not None:
            await join_requests.decide(
                conn, pending.id, status="withdrawn", decided_by=telegram_id, now=now
            )
        joined = await people.get_person(conn, target.id)
        assert joined is not None
        offers = await deliver_waiting_offers(conn, joined, now)
    # The outbox is not woken here: the welcome that announces the offers goes first, and
    # the handler wakes the sender after it (see ``bot.handlers.start``).
    return RedeemResult(Redeemed.JOINED, joined, offers)
