"""/progres reads each mentee's programmes with their facts, milestones and milestone
states in one statement (``weekly_facts.taken``); the figures stay the ones computed from
every history row (``progress_from_history``): milestones in every state, a programme
longer than one block of week bits, a programme ended, a mentee in no programme, and New
Year, when mentees in different zones count different years."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update

from bot.flows.progress import progress_and_last_sessions, progress_from_history, progress_of
from storage import milestone_marks, people, programmes, progress_facts
from storage.db import Database
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
