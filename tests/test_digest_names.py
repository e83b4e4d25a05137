"""The coordinator's digest names the first 30 mentees without a mentor and the first 30
people who cannot be reached, and counts the rest: a programme just begun has everyone
unmatched, and a province's 100 000 names were hundreds of messages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from bot.flows import digest
from bot.presenter import render
from storage.db import Database
from storage.schema import people as people_table
from tests.conftest import START
from tests.test_digest_facts import _people, _programme

WAITING = digest.NAMES_SHOWN + 5
GONE = digest.NAMES_SHOWN + 2


async def _province(db: Database) -> None:
    programme = await _programme(db, "Coaching", date(2026, 11, 2), date(2027, 6, 30), 4)
    ids, _mentor = await _people(db, WAITING, [programme])
    async with db.write() as conn:
        await conn.execute(
            update(people_table)
            .where(people_table.c.id.in_(ids[:GONE]))
            .values(status="unreachable")
        )


async def test_the_first_names_are_listed_and_the_rest_counted(db: Database) -> None:
    await _province(db)
    async with db.read() as conn:
        overview = await digest.coordinator_digest(conn, START)
    assert overview is not None
    shown = [f"Mentee {i}" for i in range(digest.NAMES_SHOWN)]
    assert overview.params["unmatched"] == shown
    assert overview.params["unmatched_more"] == 5
    assert overview.params["unreachable"] == shown
    assert overview.params["unreachable_more"] == 2

    text = "\n".join(part.text for part in render(overview.kind, overview.params, "id"))
    assert "Mentee 29" in text
    assert "Mentee 30" not in text
    assert "… dan 5 mentee lainnya (daftar lengkap: /siapa" in text
    assert "… dan 2 orang lainnya" in text
    english = "\n".join(part.text for part in render(overview.kind, overview.params, "en"))
    assert "… and 5 more mentees (the full list: /who" in english


async def test_a_short_list_is_whole_and_counts_nothing_more(db: Database) -> None:
    programme = await _programme(db, "Coaching", date(2026, 11, 2), date(2027, 6, 30), 4)
    await _people(db, 3, [programme])
    async with db.read() as conn:
        overview = await digest.coordinator_digest(conn, START)
    assert overview is not None
    assert overview.params["unmatched"] == ["Mentee 0", "Mentee 1", "Mentee 2"]
    assert overview.params["unmatched_more"] == 0
    assert overview.params["unreachable"] == []
    text = "\n".join(part.text for part in render(overview.kind, overview.params, "id"))
    assert "lainnya" not in text


def test_a_notice_queued_before_the_counts_still_renders() -> None:
    params = {"units": [], "busiest": [], "unmatched": ["Budi"], "unreachable": []}
    text = "\n".join(part.text for part in render("digest.coordinator", params, "id"))
    assert "Mentee belum berpasangan: Budi" in text
