"""Coordinators approve or reject join requests; the applicant is told either way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.identity import Viewer
from bot.flows.registration import ROLES_ON_APPROVAL
from bot.flows.services import Services
from storage import join_requests, outbox, people, prefs
from storage.models import JoinRequest, Person


class Decided(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    ALREADY_DECIDED = "already_decided"
    NIP_TAKEN = "nip_taken"


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


async def decide(
    svc: Services, viewer: Viewer, request_id: int, *, approve: bool, role: str | None = None
) -> Decision:
    """Approve (as ``role``) or reject; only coordinators, and only once per request."""
    if not viewer.is_coordinator:
        return Decision(Decided.NOT_ALLOWED)
    if approve and role not in ROLES_ON_APPROVAL:
        return Decision(Decided.NOT_FOUND)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        request = await join_requests.get_request(conn, request_id)
        if request is None:
            return Decision(Decided.NOT_FOUND)
        if request.status != join_requests.PENDING:
            return Decision(Decided.ALREADY_DECIDED, request)
        if not approve:
            await join_requests.decide(
                conn, request.id, status="rejected", decided_by=viewer.telegram_id, now=now
            )
            await _tell_applicant(conn, request, "join.rejected", now)
            return Decision(Decided.REJECTED, request)
        assert role is not None
        person = await _person_for(svc, conn, request, role, now)
        if person is None:
            return Decision(Decided.NIP_TAKEN, request)
        await join_requests.decide(
            conn,
            request.id,
            status="approved",
            decided_by=viewer.telegram_id,
            now=now,
            person_id=person.id,
        )
        await _tell_applicant(conn, request, "join.approved", now, person)
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
        params={"name": request.name, "role": role},
    )
