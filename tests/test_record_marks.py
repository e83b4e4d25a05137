"""Milestone marks in storage, with a fixed clock: each change names the state it expects,
so a repeated or stale answer changes nothing; progress figures read the states."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import FixedClock
from bot.flows import programmes as programme_flows
from bot.flows.programmes import NewProgramme
from bot.flows.progress import progress_of
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from storage import milestone_marks, people, programmes
from tests.conftest import DEMO_ROSTER

BUDI, RINA = "199503172020121005", "198209142008012003"


async def _world(svc: Services) -> tuple[int, int, list[int]]:
    await import_roster(svc, await validate_roster(svc, DEMO_ROSTER.read_text(encoding="utf-8")))
    created = await programme_flows.create(
        svc,
        NewProgramme(
            name="Perubahan 2027", kind="perubahan", starts_on=date(2026, 12, 7),
            ends_on=date(2027, 3, 26), reflection_weekday=4, member_nips=(BUDI, RINA),
        ),
    )  # fmt: skip
    assert created.problems == []
    async with svc.db.read() as conn:
        budi = await people.get_person_by_nip(conn, BUDI)
        rina = await people.get_person_by_nip(conn, RINA)
        programme = await programmes.get_programme_by_name(conn, "Perubahan 2027")
        assert budi is not None
        assert rina is not None
        assert programme is not None
        ids = [m.id for m in await programmes.milestones_of(conn, programme.id)]
    return budi.id, rina.id, ids


async def test_rounds_make_old_answers_stale(svc: Services, clock: FixedClock) -> None:
    budi, rina, (first, second, _) = await _world(svc)
    now = clock.now()
    async with svc.db.write() as conn:
        mark = await milestone_marks.mark_done(conn, first, budi, now)
        assert mark is not None
        assert mark.round == 1
        assert await milestone_marks.mark_done(conn, first, budi, now) is None  # already done
        assert await milestone_marks.not_yet(conn, mark.id, 1)
        assert not await milestone_marks.not_yet(conn, mark.id, 1)  # answered
        again = await milestone_marks.mark_done(conn, first, budi, now + timedelta(hours=1))
        assert again is not None
        assert (again.id, again.round) == (mark.id, 2)
        assert not await milestone_marks.confirm(conn, mark.id, 1, rina, now)  # old round
        assert await milestone_marks.confirm(conn, mark.id, 2, rina, now)
        assert not await milestone_marks.confirm(conn, mark.id, 2, rina, now)  # twice
        assert await milestone_marks.mark_done(conn, first, budi, now) is None  # confirmed
        assert await milestone_marks.mark_done(conn, second, budi, now) is not None
    async with svc.db.read() as conn:
        person = await people.get_person(conn, budi)
        assert person is not None
        (figures,) = await progress_of(conn, [person], now)
    assert figures.milestone_states == ("confirmed", "done", "open")
    assert figures.milestones_confirmed == 1
