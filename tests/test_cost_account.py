"""The account read once per update: one statement, right, and never older than the update.

``storage.identity.account`` joins a Telegram account's person, roles, settings and open
dialogue; ``bot.flows.identity.account`` keeps it in the update's memo. These tests fail if
the joined read drops or duplicates a role, or if anything read survives a write of the
update or the update itself (a change made by another connection must be seen next time).
"""

from __future__ import annotations

import asyncio
import contextvars

from bot.clock import FixedClock
from bot.flows import dialogue, identity
from bot.flows.services import Services
from storage import conversations, people, prefs
from storage.db import Database, handling
from storage.identity import account

TID = 7001


async def _person(svc: Services, roles: tuple[str, ...]) -> int:
    async with svc.db.write() as conn:
        return await people.insert_person(
            conn,
            nip="199503172020121005",
            name="Budi Santoso",
            unit="Bidang SDM",
            timezone="Asia/Makassar",
            language="en",
            roles=roles,
            now=svc.clock.now(),
            telegram_id=TID,
        )


async def test_one_statement_reads_person_roles_settings_and_dialogue(
    svc: Services, clock: FixedClock
) -> None:
    async with svc.db.read() as conn:
        nobody = await account(conn, TID)
    assert (nobody.person, nobody.prefs, nobody.conversation) == (None, None, None)
    async with svc.db.write() as conn:
        await prefs.save_prefs(conn, TID, now=clock.now(), language="en")
    person_id = await _person(svc, ("mentor", "mentee", "supervisor"))
    async with svc.db.write() as conn:
        await conversations.save_conversation(
            conn, TID, flow="reflect", step="q:1", data={"reflection": 3}, now=clock.now()
        )
    async with svc.db.read() as conn:
        found = await account(conn, TID)
        other = await account(conn, TID + 1)
    assert found.person is not None
    assert found.person.id == person_id
    assert found.person.roles == frozenset({"mentor", "mentee", "supervisor"})
    assert (found.person.name, found.person.timezone) == ("Budi Santoso", "Asia/Makassar")
    assert found.prefs is not None
    assert found.prefs.language == "en"
    assert found.conversation is not None
    assert (found.conversation.flow, found.conversation.step) == ("reflect", "q:1")
    assert found.conversation.data == {"reflection": 3}
    assert found.conversation.updated_at == clock.now()
    assert (other.person, other.prefs, other.conversation) == (None, None, None)


async def _set_roles_elsewhere(db_url: str, person_id: int, roles: tuple[str, ...]) -> None:
    """Another process's change: its own engine and connection, outside this update."""

    async def change() -> None:
        elsewhere = Database(db_url)
        try:
            async with elsewhere.write() as conn:
                await people.set_roles(conn, person_id, roles)
        finally:
            await elsewhere.dispose()

    await asyncio.create_task(change(), context=contextvars.Context())


async def test_the_memo_lives_one_update_and_no_write_longer(
    svc: Services, clock: FixedClock
) -> None:
    person_id = await _person(svc, ("mentee",))

    async def update(update_id: int, change: tuple[str, ...] | None) -> list[frozenset[str]]:
        seen = []
        with handling(update_id, clock.now()):
            seen.append((await identity.who(svc, TID)).roles)
            if change is not None:
                await _set_roles_elsewhere(svc.db.url, person_id, change)
            seen.append((await identity.who(svc, TID)).roles)  # the update's own snapshot
            async with svc.db.write():  # the update writes: what it read may be stale now
                pass
            seen.append((await identity.who(svc, TID)).roles)
        return seen

    first = await asyncio.create_task(update(1, ("mentee", "mentor")))
    assert first == [{"mentee"}, {"mentee"}, {"mentee", "mentor"}]
    await _set_roles_elsewhere(svc.db.url, person_id, ("coordinator",))
    second = await asyncio.create_task(update(2, None))  # a new update reads again
    assert second == [{"coordinator"}] * 3
    # Outside an update (the command line, the scheduler) nothing is kept at all.
    await _set_roles_elsewhere(svc.db.url, person_id, ("supervisor",))
    assert (await identity.who(svc, TID)).roles == {"supervisor"}


async def test_a_dialogue_written_in_the_update_is_read_back(
    svc: Services, clock: FixedClock
) -> None:
    with handling(3, clock.now()):
        assert await dialogue.current(svc, TID) is None
        async with svc.db.write() as conn:
            await conversations.save_conversation(
                conn, TID, flow="session", step="date", data={}, now=clock.now()
            )
        after = await dialogue.current(svc, TID)
    assert after is not None
    assert after.flow == "session"
