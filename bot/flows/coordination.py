"""Coordinator look-ups and actions in chat: the roster summary and single invite links."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.flows.identity import Viewer
from bot.flows.nip import clean_nip
from bot.flows.roster_import import invite_link, new_invite_code
from bot.flows.services import Services
from storage import invites, join_requests, people
from storage.models import Invite, Person


async def roster_summary(svc: Services, viewer: Viewer) -> dict[str, int] | None:
    """People per role (and how many joined), plus waiting join requests; coordinators only."""
    if not viewer.is_coordinator:
        return None
    async with svc.db.read() as conn:
        counts = await people.count_people(conn)
        waiting = len(await join_requests.pending_requests(conn))
    summary = {
        key: 0
        for role in ("mentee", "mentor", "supervisor", "coordinator")
        for key in (role, f"{role}_joined")
    }
    summary.update(counts)
    summary["pending"] = waiting
    return summary


class Invited(StrEnum):
    LINK = "link"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_NIP = "unknown_nip"
    ALREADY_JOINED = "already_joined"


@dataclass(frozen=True, slots=True)
class InviteResult:
    outcome: Invited
    person: Person | None = None
    invite: Invite | None = None
    link: str = ""


async def invite_person(svc: Services, viewer: Viewer, raw_nip: str) -> InviteResult:
    """A fresh single-use link for someone on the roster; older open links stop working."""
    if not viewer.is_coordinator:
        return InviteResult(Invited.NOT_ALLOWED)
    nip = clean_nip(raw_nip)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        person = await people.get_person_by_nip(conn, nip) if nip.isdigit() else None
        if person is None:
            return InviteResult(Invited.UNKNOWN_NIP)
        if person.telegram_id is not None:
            return InviteResult(Invited.ALREADY_JOINED, person)
        await invites.revoke_open_invites(conn, person.id, now)
        invite = await invites.create_invite(
            conn,
            code=new_invite_code(),
            person_id=person.id,
            now=now,
            expires_at=now + svc.invite_ttl,
        )
    return InviteResult(Invited.LINK, person, invite, invite_link(svc.bot_username, invite.code))
