"""The audit flows with a fixed clock: who counts as the actor, paging clamps to the log,
and a status set twice is recorded once."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.flows import audit, coordination
from bot.flows import join_requests as join_flow
from bot.flows.coordination import StatusSet
from bot.flows.identity import who
from bot.flows.join_requests import Decided
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from storage import audit as audit_log
from storage import join_requests
from tests.conftest import DEMO_ROSTER

MADE = "199612252022031007"


async def test_status_paging_and_actor(svc: Services, clock: FixedClock) -> None:
    await import_roster(svc, await validate_roster(svc, DEMO_ROSTER.read_text()))
    admin = await who(svc, 900)  # a configured admin, not on the roster
    stranger = await who(svc, 12345)
    assert audit.actor_of(None) == (None, audit_log.CLI)
    assert audit.actor_of(admin) == (None, audit_log.CHAT)

    refused = await coordination.set_active(svc, stranger, MADE, active=False)
    assert refused.outcome is StatusSet.NOT_ALLOWED
    assert await audit.page(svc, stranger, 0) is None
    assert (await coordination.set_active(svc, admin, "12", active=False)).outcome is (
        StatusSet.UNKNOWN_NIP
    )
    for n in range(12):
        result = await coordination.set_active(svc, admin, MADE, active=n % 2 == 1)
        assert result.outcome is StatusSet.DONE
        again = await coordination.set_active(svc, admin, MADE, active=n % 2 == 1)
        assert again.outcome is StatusSet.UNCHANGED  # not written, not recorded

    first = await audit.page(svc, admin, 0)
    assert first is not None
    assert (first.total, first.offset, len(first.entries)) == (13, 0, 10)
    assert (first.has_newer, first.has_older) == (False, True)
    assert first.entries[0].after == {"status": "active"}
    assert first.entries[0].at == clock.now()
    last = await audit.page(svc, admin, 500)  # a forged offset: the last page
    assert last is not None
    assert (last.offset, len(last.entries), last.has_newer, last.has_older) == (10, 3, True, False)
    assert last.entries[-1].action == audit.ROSTER_IMPORT
    assert last.entries[-1].actor_label == audit_log.CLI


async def test_join_decisions_are_audited_once(svc: Services, clock: FixedClock) -> None:
    admin = await who(svc, 900)
    async with svc.db.write() as conn:
        asked = [
            await join_requests.create_request(
                conn,
                telegram_id=7000 + n,
                nip=f"19990101202201100{n}",
                name=f"Tamu {n}",
                unit="Bidang Mutasi",
                language="id",
                now=clock.now(),
            )
            for n in (1, 2)
        ]
    approved = await join_flow.decide(svc, admin, asked[0].id, approve=True, role="mentee")
    rejected = await join_flow.decide(svc, admin, asked[1].id, approve=False)
    again = await join_flow.decide(svc, admin, asked[1].id, approve=False)
    assert (approved.outcome, rejected.outcome) == (Decided.APPROVED, Decided.REJECTED)
    assert again.outcome is Decided.ALREADY_DECIDED
    async with svc.db.read() as conn:
        rejection, approval = await audit_log.entries(conn)
    assert approval.action == audit.JOIN_APPROVED
    assert approval.subject_person_id == (approved.person.id if approved.person else -1)
    assert approval.before == {"name": "Tamu 1", "nip": "199901012022011001", "status": "pending"}
    assert approval.after == {"status": "approved", "role": "mentee"}
    assert rejection.action == audit.JOIN_REJECTED
    assert rejection.after == {"status": "rejected"}
