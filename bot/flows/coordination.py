"""Coordinator look-ups and actions in chat: the roster summary and single invite links."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import audit
from bot.flows.bulk import bulk
from bot.flows.identity import Viewer
from bot.flows.nip import clean_nip
from bot.flows.roster_import import fresh_invite, invite_link, open_invite
from bot.flows.services import Services
from storage import conversations, invites, join_requests, outbox, people
from storage.models import Invite, Person


@bulk
async def roster_summary(svc: Services, viewer: Viewer) -> dict[str, int] | None:
    """People per role (and how many joined), plus waiting join requests; coordinators only."""
    if not viewer.is_coordinator:
        return None
    async with svc.db.read() as conn:
        counts = await people.count_people(conn)
        waiting = len(await join_requests.pending_requests(conn))
        inactive = await people.count_all(conn, "inactive")
    summary = {
        key: 0
        for role in ("mentee", "mentor", "supervisor", "coordinator")
        for key in (role, f"{role}_joined")
    }
    summary.update(counts)
    summary["pending"] = waiting
    summary["inactive"] = inactive
    return summary


async def _on_roster(conn: AsyncConnection, raw_nip: str) -> Person | None:
    """The roster person a coordinator named by NIP (spaces, dots and dashes allowed)."""
    nip = clean_nip(raw_nip)
    return await people.get_person_by_nip(conn, nip) if nip.isdigit() else None


class Invited(StrEnum):
    LINK = "link"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_NIP = "unknown_nip"
    ALREADY_JOINED = "already_joined"


class Unlinked(StrEnum):
    UNLINKED = "unlinked"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_NIP = "unknown_nip"
    NOT_LINKED = "not_linked"


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What /undang and /lepas answer with: the outcome, the person, the link to hand over
    and (after /lepas) the Telegram account that was unlinked."""

    outcome: Invited | Unlinked
    person: Person | None = None
    invite: Invite | None = None
    link: str = ""
    telegram_id: int | None = None


async def invite_person(svc: Services, viewer: Viewer, raw_nip: str) -> LinkResult:
    """A fresh single-use link for someone on the roster; older open links stop working."""
    if not viewer.is_coordinator:
        return LinkResult(Invited.NOT_ALLOWED)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        person = await _on_roster(conn, raw_nip)
        if person is None:
            return LinkResult(Invited.UNKNOWN_NIP)
        if person.telegram_id is not None:
            return LinkResult(Invited.ALREADY_JOINED, person)
        await invites.revoke_open_invites(conn, person.id, now)
        invite = await fresh_invite(svc, conn, person.id, now)
        await audit.note(
            conn,
            viewer,
            audit.INVITE,
            now,
            subject_person_id=person.id,
            after={"expires": invite.expires_at.date().isoformat()},
        )
    return LinkResult(Invited.LINK, person, invite, invite_link(svc.bot_username, invite.code))


async def unlink_person(svc: Services, viewer: Viewer, raw_nip: str) -> LinkResult:
    """Undo a wrong binding: the Telegram account no longer speaks for this roster person.

    The person's own unused invite works again (redeeming refuses only while someone is
    bound); if they have none, a fresh one is made, so the coordinator always gets a link
    to hand over. The unlinked account is told, and is a stranger to the bot from now on.
    """
    if not viewer.is_coordinator:
        return LinkResult(Unlinked.NOT_ALLOWED)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        person = await _on_roster(conn, raw_nip)
        if person is None:
            return LinkResult(Unlinked.UNKNOWN_NIP)
        account = person.telegram_id
        if account is None:
            return LinkResult(Unlinked.NOT_LINKED, person)
        status = "active" if person.status == "unreachable" else person.status
        await people.update_person(conn, person.id, now, telegram_id=None, status=status)
        await conversations.clear_conversation(conn, account)
        invite = await open_invite(svc, conn, person, now)
        await outbox.enqueue(
            conn,
            dedup_key=f"unlink:{person.id}:{account}:{now.isoformat()}",
            chat_id=account,
            person_id=None,
            now=now,
            kind="unlink.told_account",
            params={"name": person.name},
        )
        await audit.note(
            conn,
            viewer,
            audit.UNLINK,
            now,
            subject_person_id=person.id,
            before={"linked": True},
            after={"linked": False},
        )
    svc.outbox_wake()
    link = invite_link(svc.bot_username, invite.code)
    return LinkResult(Unlinked.UNLINKED, person, invite, link, account)


class StatusSet(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"  # already so: nothing written, nothing audited
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_NIP = "unknown_nip"


@dataclass(frozen=True, slots=True)
class StatusResult:
    outcome: StatusSet
    person: Person | None = None
    before: str = ""


async def set_active(svc: Services, viewer: Viewer, raw_nip: str, *, active: bool) -> StatusResult:
    """Mark a roster person inactive (they get no nudges and are listed as inactive) or
    active again. Activating someone Telegram refused (``unreachable``) is not needed: they
    become reachable when they write; an inactive person is made active, and the sender
    finds out again whether Telegram still refuses them."""
    if not viewer.is_coordinator:
        return StatusResult(StatusSet.NOT_ALLOWED)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        person = await _on_roster(conn, raw_nip)
        if person is None:
            return StatusResult(StatusSet.UNKNOWN_NIP)
        wanted = "active" if active else "inactive"
        if (person.status == "inactive") != active:  # already inactive, or not inactive
            return StatusResult(StatusSet.UNCHANGED, person, person.status)
        await people.update_person(conn, person.id, now, status=wanted)
        await audit.note(
            conn,
            viewer,
            audit.ACTIVATE if active else audit.DEACTIVATE,
            now,
            subject_person_id=person.id,
            before={"status": person.status},
            after={"status": wanted},
        )
    return StatusResult(StatusSet.DONE, person, person.status)
