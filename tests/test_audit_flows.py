"""The audit flows with a fixed clock: who counts as the actor, paging clamps to the log,
and a status set twice is recorded once."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.flows import audit, coordination
from bot.flows.coordination import StatusSet
from bot.flows.identity import who
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from storage import audit as audit_log
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
