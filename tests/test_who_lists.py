"""The "who" lists' queries and rules with a fixed clock: own week per zone, drafts do not
count, the nudge's 48 hours for overdue reviews, the digest's rule for "no mentor", and one
query per list however many people there are."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert

from bot.clock import FixedClock
from bot.flows import who
from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import pairings, people, programmes, progress_facts, reflections
from storage.schema import people as people_table
from storage.schema import programme_members

COORDINATOR = Viewer(900, None, True, "id", "Asia/Jakarta")
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


async def _programme(
    svc: Services, name: str = "Latsar", starts_on: date = date(2026, 11, 30)
) -> int:
    async with svc.db.write() as conn:
        return await programmes.create_programme(
            conn,
            name=name,
            kind="latsar",
            starts_on=starts_on,
            ends_on=date(2027, 3, 26),
            reflection_weekday=4,
            questions=[{"text": "Apa?"}],
            unit_rule="any",
            now=NOW,
        )


async def _mentee(
    svc: Services,
    name: str,
    programme_id: int,
    zone: str = "Asia/Jakarta",
    telegram: int | None = None,
) -> int:
    async with svc.db.write() as conn:
        person = await people.insert_person(
            conn,
            nip=None,
            name=name,
            unit="Unit A",
            timezone=zone,
            language="id",
            roles=["mentee"],
            now=NOW,
            telegram_id=telegram,
        )
        await programmes.add_member(conn, programme_id, person, "mentee")
    return person


async def _reflect(svc: Services, programme_id: int, person: int, week: date, status: str) -> int:
    async with svc.db.write() as conn:
        draft = await reflections.open_draft(conn, programme_id, person, week, NOW)
        if status != reflections.DRAFT:
            await reflections.set_state(
                conn, draft.id, status=status, now=NOW, expect=("draft",), submitted_at=NOW
            )
    return draft.id


def _names(page: who.Page | who.Refused) -> list[str]:
    assert isinstance(page, who.Page)
    return [e.name for e in page.entries]


async def test_not_joined_lists_unbound_people_by_name_and_by_programme(svc: Services) -> None:
    latsar = await _programme(svc)
    other = await _programme(svc, "PKA")
    await _mentee(svc, "Zaenal", latsar)
    await _mentee(svc, "Ani", other)
    await _mentee(svc, "Bound", latsar, telegram=77)
    everyone = await who.page(svc, COORDINATOR, "nj", 0, 0)
    assert _names(everyone) == ["Ani", "Zaenal"]
    assert _names(await who.page(svc, COORDINATOR, "nj", 0, latsar)) == ["Zaenal"]


async def test_no_reflection_uses_each_persons_own_week(svc: Services, clock: FixedClock) -> None:
    # Sunday 13 Dec 23:30 WIB is already Monday 14 Dec 01:30 in WIT.
    clock.set(datetime(2026, 12, 13, 16, 30, tzinfo=UTC))
    latsar = await _programme(svc)
    jakarta = await _mentee(svc, "Jakarta", latsar, "Asia/Jakarta")
    jayapura = await _mentee(svc, "Jayapura", latsar, "Asia/Jayapura")
    drafting = await _mentee(svc, "Drafting", latsar, "Asia/Jakarta")
    await _mentee(svc, "Nothing", latsar, "Asia/Makassar")
    for person in (jakarta, jayapura):
        await _reflect(svc, latsar, person, date(2026, 12, 7), reflections.SUBMITTED)
    await _reflect(svc, latsar, drafting, date(2026, 12, 7), reflections.DRAFT)
    found = await who.page(svc, COORDINATOR, "nr", 0, 0)
    # Jakarta's week is still 7 Dec (done); Jayapura's is 14 Dec already (not yet done).
    assert _names(found) == ["Drafting", "Jayapura", "Nothing"]
    assert isinstance(found, who.Page)
    states = {e.name: (e.week_state, e.due_on) for e in found.entries}
    assert states["Drafting"] == (who.WeekState.MISSED, date(2026, 12, 11))
    assert states["Jayapura"] == (who.WeekState.OPEN, date(2026, 12, 18))


async def test_a_week_the_programme_began_after_owes_nothing(svc: Services) -> None:
    # Starts on Saturday 12 Dec, after that week's Friday: the week of 7 Dec is not owed.
    late_start = await _programme(svc, "Mulai Sabtu", starts_on=date(2026, 12, 12))
    await _mentee(svc, "Baru", late_start)
    assert _names(await who.page(svc, COORDINATOR, "nr", 0, 0)) == []


async def test_waiting_for_mentor_agrees_with_the_digest(svc: Services) -> None:
    latsar = await _programme(svc)
    alone = await _mentee(svc, "Alone", latsar)
    offered = await _mentee(svc, "Offered", latsar)
    declined = await _mentee(svc, "Declined", latsar)
    async with svc.db.write() as conn:
        mentor = await people.insert_person(
            conn, nip=None, name="Mentor", unit=None, timezone="Asia/Jakarta",
            language="id", roles=["mentor"], now=NOW,
        )  # fmt: skip
        for mentee, status in ((offered, pairings.OFFERED), (declined, pairings.DECLINED)):
            await pairings.create_pairing(
                conn, programme_id=latsar, mentor_id=mentor, mentee_id=mentee,
                status=status, reason="", now=NOW,
            )  # fmt: skip
        digest = await progress_facts.unmatched_mentees(conn)
    found = await who.page(svc, COORDINATOR, "wm", 0, 0)
    assert _names(found) == ["Alone", "Declined"]
    assert sorted(digest) == sorted([alone, declined])


async def test_overdue_reviews_after_the_nudges_48_hours(svc: Services, clock: FixedClock) -> None:
    latsar = await _programme(svc)
    budi = await _mentee(svc, "Budi", latsar)
    async with svc.db.write() as conn:
        mentor = await people.insert_person(
            conn, nip=None, name="Rina", unit=None, timezone="Asia/Jakarta",
            language="id", roles=["mentor"], now=NOW,
        )  # fmt: skip
        await pairings.create_pairing(
            conn, programme_id=latsar, mentor_id=mentor, mentee_id=budi,
            status=pairings.ACTIVE, reason="", now=NOW,
        )  # fmt: skip
    await _reflect(svc, latsar, budi, date(2026, 11, 30), reflections.SUBMITTED)  # sent at NOW
    clock.set(NOW + timedelta(hours=47))
    assert _names(await who.page(svc, COORDINATOR, "or", 0, 0)) == []
    clock.set(NOW + timedelta(hours=49))
    found = await who.page(svc, COORDINATOR, "or", 0, 0)
    assert isinstance(found, who.Page)
    [entry] = found.entries
    assert (entry.name, entry.mentor, entry.week_start, entry.days_waiting, entry.stale) == (
        "Budi", "Rina", date(2026, 11, 30), 2, False,
    )  # fmt: skip
    clock.set(NOW + timedelta(days=8))
    found = await who.page(svc, COORDINATOR, "or", 0, 0)
    assert isinstance(found, who.Page)
    assert found.entries[0].stale  # past the digest's 7 days: flagged


async def test_refusals(svc: Services) -> None:
    mentee = Viewer(1, None, False, "id", "Asia/Jakarta")
    assert await who.page(svc, mentee, "nj", 0, 0) is who.Refused.NOT_ALLOWED
    for which, index, programme in (("nj", 1, 0), ("zz", 0, 0), ("nj", None, 0), ("nj", 0, 42)):
        assert await who.page(svc, COORDINATOR, which, index, programme) is who.Refused.BAD_PAGE


async def test_ten_thousand_people_one_query_per_list(svc: Services) -> None:
    latsar = await _programme(svc)
    rows = [
        {
            "name": f"Orang {n:05d}",
            "unit": "Unit",
            "timezone": ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")[n % 3],
            "language": "id",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(10_000)
    ]
    async with svc.db.write() as conn:
        await conn.execute(insert(people_table), rows)
        ids = await people.all_people(conn)
        await conn.execute(
            insert(programme_members),
            [{"programme_id": latsar, "person_id": p.id, "role": "mentee"} for p in ids],
        )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(svc.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        for which in ("nj", "nr", "wm", "or"):
            statements.clear()
            started = time.perf_counter()
            found = await who.page(svc, COORDINATOR, which, 499, 0)
            elapsed = time.perf_counter() - started
            listing = [s for s in statements if "people" in s or "reflections" in s]
            assert len(listing) == 1, (which, statements)
            assert elapsed < 5, (which, elapsed)  # a few hundred ms on a quiet machine
            if which != "or":
                assert isinstance(found, who.Page)
                assert (found.total, found.pages, len(found.entries)) == (10_000, 500, 20)
                assert found.entries[-1].name == "Orang 09999"
    finally:
        event.remove(svc.db.engine.sync_engine, "before_cursor_execute", count)


def test_a_page_of_long_names_fits_one_message_and_keeps_its_numbers() -> None:
    from bot.handlers.who import page_text
    from bot.text_split import TELEGRAM_LIMIT, visible_len

    long = "Nama Sangat Panjang 😀 <&> " * 8  # 200 characters of user text, emoji included
    entries = [
        who.Entry(n, long, long, long, mentor=long, week_start=date(2026, 12, 7), days_waiting=3)
        for n in range(21, 41)
    ]
    page = who.Page(who.WhoList.OVERDUE, None, 45, 1, 3, entries)
    for language in ("id", "en"):
        text = page_text(language, page)
        assert visible_len(text) <= TELEGRAM_LIMIT
        assert "&lt;&amp;&gt;" in text  # escaped
        numbers = [line.split(".")[0] for line in text.split("\n") if line[:1].isdigit()]
        assert numbers[-20:] == [str(n) for n in range(21, 41)]
