"""Coordinators approve or reject join requests; the applicant is told either way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import audit
from bot.flows.identity import Viewer
from bot.flows.pairing import deliver_waiting_offers
from bot.flows.registration import ROLES_ON_APPROVAL, RosterMatch, roster_match
from bot.flows.services import Services
from storage import join_requests, outbox, pairings, people, prefs
from storage.models import JoinRequest, Person


class Decided(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    ALREADY_DECIDED = "already_decided"
    NIP_TAKEN = "nip_taken"
    INVITE_OPEN = "invite_open"  # the NIP's roster person has an unused invite: ask again


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Decided
    request: JoinRequest | None = None
    person: Person | None = None


async def pending(svc: Services, viewer: Viewer) -> list[JoinRequest] | None:
    """Requests waiting for a decision; None if the viewer may not see them."""
    if not viewer.is_coordinator:
        return None
    async with svc.db.read() as conn:
        return await join_requests.pending_requests(conn)


async def waiting_for(svc: Services, telegram_id: int) -> JoinRequest | None:
    """The applicant's own request still waiting for a coordinator, if any: a guest who
    asked to join is told their request is pending, not that they are unregistered."""
    async with svc.db.read() as conn:
        return await join_requests.pending_for_telegram(conn, telegram_id)


async def pending_cards(
    svc: Services, viewer: Viewer
) -> list[tuple[JoinRequest, RosterMatch]] | None:
    """Waiting requests with what the roster says about their NIP (for the warnings)."""
    if not viewer.is_coordinator:
        return None
    async with svc.db.read() as conn:
        waiting = await join_requests.pending_requests(conn)
        return [(r, await roster_match(conn, r.nip)) for r in waiting]


async def decide(
    svc: Services,
    viewer: Viewer,
    request_id: int,
    *,
    approve: bool,
    role: str | None = None,
    force: bool = False,
) -> Decision:
    """Approve (as ``role``) or reject; only coordinators, and only once per request.

    A roster person who has not used their own invite is probably not the applicant: the
    first approval is refused with ``INVITE_OPEN`` and the coordinator must choose again,
    warned (``force``). Their invite works again once a coordinator unlinks the account.
    """
    if not viewer.is_coordinator:
        return Decision(Decided.NOT_ALLOWED)
    if approve and role not in ROLES_ON_APPROVAL:
        return Decision(Decided.NOT_FOUND)
    try:
        return await _decide(svc, viewer, request_id, approve=approve, role=role, force=force)
    except _DecidedMeanwhile as raced:
        async with svc.db.read() as conn:
            request = await join_requests.get_request(conn, raced.request.id)
        return Decision(Decided.ALREADY_DECIDED, request or raced.request)


class _DecidedMeanwhile(Exception):
    """The request's UPDATE changed no row: another decision came first."""

    def __init__(self, request: JoinRequest) -> None:
        super().__init__(request.id)
        self.request = request


async def _decide(
    svc: Services,
    viewer: Viewer,
    request_id: int,
    *,
    approve: bool,
    role: str | None,
    force: bool,
) -> Decision:
    now = svc.clock.now()
    async with svc.db.write() as conn:
        # Locked: a coordinator deciding it in another process waits, then sees this one.
        request = await join_requests.get_request(conn, request_id, lock=True)
        if request is None:
            return Decision(Decided.NOT_FOUND)
        if request.status != join_requests.PENDING:
            return Decision(Decided.ALREADY_DECIDED, request)
        if not approve:
            if not await join_requests.decide(
                conn, request.id, status="rejected", decided_by=viewer.telegram_id, now=now
            ):
                return Decision(Decided.ALREADY_DECIDED, request)
            await _tell_applicant(conn, request, "join.rejected", now)
            await audit.note(
                conn,
                viewer,
                audit.JOIN_REJECTED,
                now,
                before={"name": request.name, "nip": request.nip, "status": "pending"},
                after={"status": "rejected"},
            )
            return Decision(Decided.REJECTED, request)
        assert role is not None
        if not force:
            match = await roster_match(conn, request.nip)
            if match.invite_open:
                return Decision(Decided.INVITE_OPEN, request, match.person)
        person = await _person_for(svc, conn, request, role, now)
        if person is None:
            return Decision(Decided.NIP_TAKEN, request)
        if not await join_requests.decide(
            conn,
            request.id,
            status="approved",
            decided_by=viewer.telegram_id,
            now=now,
            person_id=person.id,
        ):
            raise _DecidedMeanwhile(request)  # undoes the person made or bound above
        offers = len(await pairings.waiting_offers(conn, person.id))
        await _tell_applicant(conn, request, "join.approved", now, person, offers)
        await deliver_waiting_offers(conn, person, now)  # after the welcome that names them
        await audit.note(
            conn,
            viewer,
            audit.JOIN_APPROVED,
            now,
            subject_person_id=person.id,
            before={"name": request.name, "nip": request.nip, "status": "pending"},
            after={"status": "approved", "role": role},
        )
    svc.outbox_wake()
    return Decision(Decided.APPROVED, request, person)


async def _person_for(
    svc: Services, conn: AsyncConnection, request: JoinRequest, role: str, now: datetime
) -> Person | None:
    """Bind the applicant to the roster entry with their NIP, or create one."""
    existing = await people.get_person_by_nip(conn, request.nip)
    if existing is not None:
        if existing.telegram_id is not None:
            return None
        await people.update_person(conn, existing.id, now, telegram_id=request.telegram_id)
        if role not in existing.roles:
            await people.set_roles(conn, existing.id, existing.roles | {role})
        return await people.get_person(conn, existing.id)
    saved = await prefs.get_prefs(conn, request.telegram_id)
    person_id = await people.insert_person(
        conn,
        nip=request.nip,
        name=request.name,
        unit=request.unit,
        timezone=(saved.timezone if saved else None) or svc.default_timezone,
        language=request.language,
        roles=[role],
        now=now,
        telegram_id=request.telegram_id,
    )
    return await people.get_person(conn, person_id)


async def _tell_applicant(
    conn: AsyncConnection,
    request: JoinRequest,
    kind: str,
    now: datetime,
    person: Person | None = None,
    offers: int = 0,
) -> None:
    """Queue the decision to the applicant (``bot.presenter.join`` words it)."""
    role = next(iter(sorted(person.roles))) if person else ""
    await outbox.enqueue(
        conn,
        dedup_key=f"join:{request.id}:decision",
        chat_id=request.telegram_id,
        person_id=person.id if person else None,
        now=now,
        kind=kind,
        params={"name": request.name, "role": role, "offers": offers},
    )
