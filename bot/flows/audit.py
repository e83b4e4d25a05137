"""Recording coordinator actions in the audit log, and reading it back for ``/audit``.

Every flow that changes something on a coordinator's word calls :func:`note` inside its
own write transaction, with the facts before and after (small JSON objects keyed by
field; the presenter words the field names in the reader's language). ``viewer`` None is
the command line (``pembina ...``), recorded as ``cli`` without a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import audit
from storage.models import AuditEntry, Programme

PAGE = 10  # entries per /audit page

# The action keys (``audit.action.<key>`` in the catalogues words them).
ROSTER_IMPORT = "roster.import"
INVITE = "person.invite"
UNLINK = "person.unlink"
DEACTIVATE = "person.inactive"
ACTIVATE = "person.active"
JOIN_APPROVED = "join.approved"
JOIN_REJECTED = "join.rejected"
PLAN_APPLIED = "pairing.plan"
PAIR_OFFERED = "pairing.by_hand"
PAIR_ENDED = "pairing.ended"
PAIR_KEPT = "pairing.kept"
PAIR_CHANGED = "pairing.changed"
PROGRAMME_CREATED = "programme.created"
QUESTIONS = "programme.questions"
MILESTONES = "programme.milestones"
PROGRAMME_ENDED = "programme.ended"


def actor_of(viewer: Viewer | None) -> tuple[int | None, str]:
    """Who did it: the roster person in chat (None for an admin not on the roster), or
    nobody on the command line."""
    if viewer is None:
        return None, audit.CLI
    return (viewer.person.id if viewer.person else None), audit.CHAT


async def note(
    conn: AsyncConnection,
    viewer: Viewer | None,
    action: str,
    at: datetime,
    *,
    programme_id: int | None = None,
    subject_person_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record one action in the caller's write transaction (it commits with the change)."""
    person_id, label = actor_of(viewer)
    await audit.record(
        conn,
        at=at,
        action=action,
        actor_label=label,
        actor_person_id=person_id,
        programme_id=programme_id,
        subject_person_id=subject_person_id,
        before=before,
        after=after,
    )


@dataclass(frozen=True, slots=True)
class Page:
    """One page of ``/audit``: entries newest first, and where it sits in the whole."""

    entries: list[AuditEntry]
    offset: int
    total: int
    programme: Programme | None = None

    @property
    def has_newer(self) -> bool:
        return self.offset > 0

    @property
    def has_older(self) -> bool:
        return self.offset + len(self.entries) < self.total


async def page(
    svc: Services, viewer: Viewer, offset: int, programme: Programme | None = None
) -> Page | None:
    """A page of the log from ``offset`` (clamped to the last page); coordinators only."""
    if not viewer.is_coordinator:
        return None
    programme_id = programme.id if programme else None
    async with svc.db.read() as conn:
        total = await audit.count(conn, programme_id)
        last = max(0, (total - 1) // PAGE * PAGE)
        start = min(max(0, offset - offset % PAGE), last)
        found = await audit.entries(conn, programme_id, limit=PAGE, offset=start)
    return Page(found, start, total, programme)
