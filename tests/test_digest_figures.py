"""The rules behind digest figures, with a fixed clock: week states, weeks counted, numbers."""

from __future__ import annotations

from datetime import date, datetime

from bot.flows.progress import WeekState, compute, counted
from bot.i18n import number
from storage.models import Person, Programme
from storage.progress_facts import WeekFact

PROGRAMME = Programme(
    id=1,
    name="Perubahan 2027",
    kind="perubahan",
    starts_on=date(2026, 12, 7),
    ends_on=date(2027, 3, 26),
    reflection_weekday=4,
    questions=[],
    status="active",
    unit_rule="any",
    offer_hours=72,
)
ZONE = "Asia/Jakarta"


def _person(paused_until: datetime | None = None) -> Person:
    return Person(
        id=5,
        nip=None,
        name="Budi",
        unit="SDM",
        roles=frozenset({"mentee"}),
        timezone=ZONE,
        language="id",
        status="active",
        nudges_paused_until=paused_until,
    )


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_weeks_before_the_programme_are_not_owed_and_a_new_week_is_open() -> None:
    now = _at("2026-12-09T03:00:00+00:00")  # Wednesday of the first week
    p = compute(_person(), PROGRAMME, [], [], 0, now)
    assert p.state(date(2026, 11, 30), now) is WeekState.NOT_OWED
    assert p.state(date(2026, 12, 7), now) is WeekState.OPEN
    assert not counted(PROGRAMME, date(2026, 11, 30), ZONE, now, False)
    assert p.due_weeks == ()


def test_late_paused_and_missed() -> None:
    now = _at("2026-12-14T00:45:00+00:00")  # Monday of the second week, 07:45 WIB
    late = WeekFact(1, date(2026, 12, 7), "approved", None, True)
    p = compute(_person(), PROGRAMME, [late], [], 60, now)
    assert p.state(date(2026, 12, 7), now) is WeekState.LATE
    assert p.state(date(2026, 12, 14), now) is WeekState.OPEN
    assert p.jp_year == 1.3
    missed = compute(_person(_at("2026-12-18T17:00:00+00:00")), PROGRAMME, [], [], 0, now)
    assert missed.state(date(2026, 12, 7), now) is WeekState.MISSED
    assert missed.state(date(2026, 12, 14), now) is WeekState.PAUSED
    assert counted(PROGRAMME, date(2026, 12, 7), ZONE, now, False)


def test_one_number_format() -> None:
    assert number(1.3, "id") == "1,3"
    assert number(1.3, "en") == "1.3"
    assert number(2.0, "id") == "2"
    assert number(66.66, "id", 0) == "67"
    assert number(2.5, "xx") == "2,5"  # unknown language: the default, Indonesian
