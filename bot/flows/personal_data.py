"""A person's own data (UU 27/2022, issue 10): a copy of it (/dataku) and its erasure
(/hapusdata).

The copy is everything Pembina holds about the person who asks, as a JSON-ready document;
other people appear only as the partner's name the person already sees in chat. Erasure
is asked by the person, confirmed by a coordinator (a notice with Confirm / Refuse), and
then done in one write transaction (``storage.personal_data.erase``), after which the
database file is scrubbed (:meth:`storage.db.Database.scrub`) so freed pages and the WAL
keep none of the erased text. The account is a stranger from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import recipients
from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import people
from storage import personal_data as stored
from storage.models import Person

SCHEMA_VERSION = 1


def _plain(value: Any) -> Any:
    """JSON-ready: dates ISO (datetimes in UTC with their offset), containers walked."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def my_data(svc: Services, viewer: Viewer) -> dict[str, Any]:
    """The document the person receives: schema version, when, and every section."""
    async with svc.db.read() as conn:
        sections = await stored.gather(conn, viewer.person, viewer.telegram_id)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": svc.clock.now().isoformat(),
        "telegram_id": viewer.telegram_id,
        "sections": _plain(sections),
    }


class Asked(StrEnum):
    FILED = "filed"
    ALREADY = "already"  # a request already waits for a coordinator
    NOT_MEMBER = "not_member"  # only roster people have data to erase beyond the account


async def request_erasure(svc: Services, viewer: Viewer) -> Asked:
    """File the person's confirmed request and tell every coordinator (Confirm / Refuse)."""
    if viewer.person is None:
        return Asked.NOT_MEMBER
    now = svc.clock.now()
    async with svc.db.write() as conn:
        person = await people.get_person_by_telegram(conn, viewer.telegram_id)
        if person is None:
            return Asked.NOT_MEMBER
        if await stored.open_request(conn, person.id) is not None:
            return Asked.ALREADY
        request = await stored.create_request(conn, person.id, now)
        await recipients.notify_coordinators(
            svc,
            conn,
            dedup=f"erase:{request.id}:ask",
            now=now,
            kind="privacy.erase_request",
            params={"request_id": request.id, "name": person.name, "unit": person.unit or "-"},
            about=person.id,
        )
    svc.outbox_wake()
    return Asked.FILED


class Decided(StrEnum):
    ERASED = "erased"
    REFUSED = "refused"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    ALREADY_DECIDED = "already_decided"


@dataclass(frozen=True, slots=True)
class Decision:
    """What happened; ``told`` is the erased person's old chat and language, to tell them
    directly once (a queued row would keep their Telegram id in the outbox)."""

    outcome: Decided
    status: str | None = None
    told: tuple[int, str] | None = None
    cards: tuple[tuple[int, int], ...] = ()  # coordinators' cards naming the person


async def decide(svc: Services, viewer: Viewer, request_id: int, *, erase: bool) -> Decision:
    """A coordinator confirms or refuses; a press by anyone else, or a second press,
    changes nothing. A coordinator's own request is decided by another coordinator."""
    if not viewer.is_coordinator:
        return Decision(Decided.NOT_ALLOWED)
    now = svc.clock.now()
    async with svc.db.write() as conn:
        request = await stored.get_request(conn, request_id, lock=True)
        if request is None:
            return Decision(Decided.NOT_FOUND)
        if request.status != stored.PENDING:
            return Decision(Decided.ALREADY_DECIDED, request.status)
        if viewer.person is not None and viewer.person.id == request.person_id:
            return Decision(Decided.NOT_ALLOWED)
        person = await people.get_person(conn, request.person_id)
        assert person is not None  # people rows are never deleted, only erased
        status = stored.ERASED if erase else stored.REFUSED
        # The decision first: if another coordinator's came first, nothing else changes.
        if not await stored.decide_request(conn, request.id, status, viewer.telegram_id, now):
            now_stored = await stored.get_request(conn, request.id)
            return Decision(Decided.ALREADY_DECIDED, now_stored.status if now_stored else None)
        if not erase:
            await _tell_refused(conn, person, request.id, now)
            result = Decision(Decided.REFUSED)
        else:
            cards = tuple(await stored.request_cards(conn, request.id))
            await stored.erase(conn, person, now, svc.admin_ids)
            told = (person.telegram_id, person.language) if person.telegram_id else None
            result = Decision(Decided.ERASED, told=told, cards=cards)
    if result.outcome is Decided.ERASED:
        await svc.db.scrub()  # freed pages zeroed, the WAL's old page images gone
    svc.outbox_wake()
    return result


async def _tell_refused(
    conn: AsyncConnection, person: Person, request_id: int, now: datetime
) -> None:
    await recipients.notify(
        conn,
        person,
        dedup=f"erase:{request_id}:refused",
        now=now,
        kind="privacy.erase_refused",
        params={},
    )
