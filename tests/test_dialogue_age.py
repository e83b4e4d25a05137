"""Dialogue age limits and flow switches, on the flows with a fixed clock."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from bot.flows import dialogue, registration
from bot.flows.identity import who
from bot.flows.services import Services
from storage import conversations
from storage.models import Conversation


async def _open(svc: Services, flow: str) -> Conversation:
    async with svc.db.write() as conn:
        return await conversations.save_conversation(
            conn, 77, flow=flow, step="x", data={}, now=svc.clock.now()
        )


async def test_each_flow_goes_stale_after_its_limit(svc: Services, clock: FixedClock) -> None:
    for flow, limit in dialogue.STALE_AFTER.items():
        await _open(svc, flow)
        clock.advance(limit)
        conv = await dialogue.current(svc, 77)
        assert conv is not None
        assert not dialogue.is_stale(svc, conv), flow
        clock.advance(timedelta(seconds=1))
        assert dialogue.is_stale(svc, conv), flow
        await dialogue.touch(svc, conv)
        fresh = await dialogue.current(svc, 77)
        assert fresh is not None
        assert not dialogue.is_stale(svc, fresh)


def test_replaced_is_another_flow_or_another_reflection() -> None:
    reflect = Conversation(1, "reflect", "ask", {"reflection_id": 1})
    assert not dialogue.replaced(reflect, reflect)
    assert not dialogue.replaced(reflect, None)
    assert not dialogue.replaced(None, reflect)
    assert dialogue.replaced(reflect, Conversation(1, "session", "day", {}))
    assert dialogue.replaced(reflect, Conversation(1, "reflect", "ask", {"reflection_id": 2}))
    session = Conversation(1, "session", "day", {"pairing_id": 1})
    assert not dialogue.replaced(session, Conversation(1, "session", "minutes", {}))


async def test_registration_edit_of_an_unknown_message_changes_nothing(svc: Services) -> None:
    viewer = await who(svc, 500, "id")
    await registration.begin(svc, viewer)
    await registration.answer(svc, viewer, "199001012015031002", message_id=10)
    assert await registration.revise(svc, viewer, 11, "Nama Baru") is None
    revised = await registration.revise(svc, viewer, 10, "123")
    assert revised is not None
    assert revised.problem is not None
    current = await registration.active_step(svc, 500)
    assert current is not None
    assert (current.step, current.data["nip"]) == (registration.Step.NAME, "199001012015031002")
