"""The audit log's read side pages newest first and filters by programme."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import FixedClock
from storage import audit, people, programmes
from storage.db import Database


async def test_entries_page_newest_first_and_filter_by_programme(
    db: Database, clock: FixedClock
) -> None:
    now = clock.now()
    async with db.write() as conn:
        coordinator = await people.insert_person(
            conn,
            nip="198001012000011001",
            name="Kord",
            unit="BKD",
            timezone="Asia/Jakarta",
            language="id",
            roles=["coordinator"],
            now=now,
        )
        programme = await programmes.create_programme(
            conn,
            name="Latsar 2027",
            kind="latsar",
            starts_on=date(2027, 1, 4),
            ends_on=date(2027, 3, 26),
            reflection_weekday=4,
            questions=[],
            unit_rule="any",
            now=now,
        )
        for n in range(25):
            await audit.record(
                conn,
                at=now + timedelta(minutes=n),
                action="person.inactive",
                actor_label=audit.CHAT,
                actor_person_id=coordinator,
                programme_id=programme if n % 2 == 0 else None,
                subject_person_id=coordinator,
                before={"status": "active", "n": n},
                after={"status": "inactive"},
            )
        await audit.record(conn, at=now, action="roster.import", actor_label=audit.CLI)
    async with db.read() as conn:
        first = await audit.entries(conn, limit=10, offset=0)
        third = await audit.entries(conn, limit=10, offset=20)
        total = await audit.count(conn)
        only = await audit.entries(conn, programme, limit=100)
        only_count = await audit.count(conn, programme)
    assert total == 26
    assert [e.before["n"] for e in first if e.before] == list(range(24, 14, -1))
    assert len(third) == 6
    # the import has n=0's time but was recorded later: it comes first
    assert third[-2].action == "roster.import"
    assert third[-2].actor_label == audit.CLI
    assert third[-2].actor_name is None
    assert third[-1].before == {"status": "active", "n": 0}
    assert first[0].actor_name == "Kord"
    assert first[0].subject_name == "Kord"
    assert first[0].programme_name == "Latsar 2027"
    assert only_count == 13
    assert len(only) == 13
    assert all(e.programme_id == programme for e in only)
