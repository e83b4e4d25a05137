"""/progres reads each mentee's programmes with their facts, milestones and milestone
states in one statement (``weekly_facts.taken``); the figures stay the ones computed from
every history row (``progress_from_history``): milestones in every state, a programme
longer than one block of week bits, a programme ended, a mentee in no programme, and New
Year, when mentees in different zones count different years."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, update

from bot.flows import identity, progress
from bot.flows.progress import progress_and_last_sessions, progress_from_history, progress_of
from bot.flows.services import Services
from storage import milestone_marks, people, programmes, progress_facts
from storage.db import Database
from storage.schema import people as people_table
from storage.schema import programmes as programmes_table
from tests.test_digest_facts import NOWS, T0, _history

# 23:30 on 31 December in WIB, already 1 January in WITA and WIT: two years at once.
NEW_YEAR = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)


async def _milestones(db: Database, programme_ids: list[int], mentee_ids: list[int]) -> None:
    """Three milestones a programme; each mentee's marks: confirmed, done (waiting for the
    mentor), sent back (open again) or never touched."""
    async with db.write() as conn:
        mentor = await people.insert_person(
            conn, nip=None, name="Pembimbing", unit="U", timezone="Asia/Jakarta",
            language="id", roles=["mentor"], now=T0,
        )  # fmt: skip
        for programme_id in programme_ids:
            await programmes.replace_milestones(
                conn, programme_id, [("Satu", date(2026, 12, 1)), ("Dua", None), ("Tiga", None)]
            )
        for n, person_id in enumerate(mentee_ids):
            for programme_id in programme_ids:
                listed = await programmes.milestones_of(conn, programme_id)
                for k, milestone in enumerate(listed):
                    step = (n + k) % 4
                    if step == 3:
                        continue  # never marked
                    mark = await milestone_marks.mark_done(conn, milestone.id, person_id, T0)
                    assert mark is not None
                    if step == 1:
                        assert await milestone_marks.confirm(conn, mark.id, mark.round, mentor, T0)
                    elif step == 2:
                        assert await milestone_marks.not_yet(conn, mark.id, mark.round)


async def test_progres_reads_give_the_figures_history_gives(db: Database) -> None:
    ids, programme_ids = await _history(db, seed=5)
    await _milestones(db, programme_ids, ids)
    async with db.write() as conn:
        loner = await people.insert_person(
            conn, nip=None, name="Tanpa Program", unit=None, timezone="Asia/Jayapura",
            language="id", roles=["mentee"], now=T0,
        )  # fmt: skip
        await conn.execute(
            update(programmes_table)
            .where(programmes_table.c.id == programme_ids[0])
            .values(status="ended")
        )
    async with db.read() as conn:
        mentees = await people.get_people(conn, [*ids, loner])
        assert {p.timezone for p in mentees} == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
        for now in (*NOWS, NEW_YEAR):
            expected = await progress_from_history(conn, mentees, now)
            found, last = await progress_and_last_sessions(conn, mentees, now)
            assert found == expected
            assert last == await progress_facts.last_sessions(conn, [p.id for p in mentees])
            assert {state for p in found for state in p.milestone_states} == {
                "open",
                "done",
                "confirmed",
            }
            active = await progress_of(conn, mentees, now, active_only=True)
            assert active == [p for p in expected if p.programme.status == "active"]
            assert len(active) < len(expected)
            for one in mentees:  # /progres: one person at a time
                mine = [p for p in expected if p.person.id == one.id]
                assert await progress_of(conn, [one], now) == mine
            assert not [p for p in found if p.person.id == loner]
        assert await progress_of(conn, [], NEW_YEAR) == []
        # New Year: WIB still counts 2026, WITA and WIT already 2027 (both years counted)
        assert any(p.jp_year for p in found if p.person.timezone == "Asia/Jakarta")
        assert any(p.jp_year for p in found if p.person.timezone != "Asia/Jakarta")


async def test_a_progres_is_one_read_transaction_of_three_statements(
    db: Database, svc: Services
) -> None:
    """What the README promises for a mentee's /progres: who they are (one read in
    autocommit), then their figures and whom they mentor in one read transaction of two
    statements, whatever their programmes and milestones."""
    ids, programme_ids = await _history(db, seed=5)
    await _milestones(db, programme_ids, ids)
    async with db.write() as conn:
        await conn.execute(
            update(people_table).where(people_table.c.id == ids[0]).values(telegram_id=4242)
        )
    counted = {"statements": 0, "transactions": 0}

    def on_statement(*_args: Any) -> None:
        counted["statements"] += 1

    def on_begin(conn: Any) -> None:
        options = conn.get_execution_options()  # autocommit (read_alone) is no transaction
        if not options.get("pembina_alone") and options.get("isolation_level") != "AUTOCOMMIT":
            counted["transactions"] += 1

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "begin", on_begin)
    try:
        viewer = await identity.who(svc, 4242)
        own, mentees = await progress.for_viewer(svc, viewer)
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "begin", on_begin)
    assert own
    assert {p.person.id for p in own} == {ids[0]}
    assert mentees == []
    assert counted == {"statements": 3, "transactions": 1}
