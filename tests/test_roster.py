"""Roster import: validation with line numbers, all-or-nothing, idempotent re-import, edits."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from bot.flows.roster import parse_roster
from bot.flows.roster_import import import_roster, invites_csv, validate_roster
from bot.flows.services import Services
from storage import people
from tests.conftest import DEMO_ROSTER

HEADER = "nip,name,role,unit,supervisor_nip,mentor_nip,timezone,language\n"
GOOD = DEMO_ROSTER.read_text(encoding="utf-8")


def _errors(text: str) -> list[tuple[int, str]]:
    return [(e.line, e.key) for e in parse_roster(text).errors]


def test_demo_roster_is_valid() -> None:
    parsed = parse_roster(GOOD)
    assert parsed.errors == []
    assert len(parsed.entries) == 8


def test_each_kind_of_bad_row_is_reported_with_its_line() -> None:
    text = HEADER + "\n".join(
        [
            "123,Short Nip,mentee,,,,,",  # line 2
            "19950317202012100X,Letter,mentee,,,,,",  # 3
            "199502302020121005,Bad Birth,mentee,,,,,",  # 4
            "199503172020131005,Bad Month,mentee,,,,,",  # 5
            "199503172020121005,,mentee,,,,,",  # 6
            "199707082021022006,Role,boss,,,,,",  # 7
            "199612252022031007,Zone,mentee,,,,Europe/Paris,",  # 8
            "199802142022032008,Lang,mentee,,,,WIT,fr",  # 9
            "198011202005011004,Ref,mentee,,197001011990011001,,,",  # 10
            "198209142008012003,Self,mentee,,,198209142008012003,,",  # 11
            "198209142008012003,Twice,mentee,,,,,",  # 12
            ",No Nip,mentee,,,,,",  # 13
        ]
    )
    assert _errors(text) == [
        (2, "nip_length"),
        (3, "nip_digits"),
        (4, "nip_birth_date"),
        (5, "nip_appointment"),
        (6, "name_empty"),
        (7, "role_unknown"),
        (8, "timezone_unknown"),
        (9, "language_unknown"),
        (10, "ref_unknown"),
        (11, "ref_self"),
        (12, "nip_duplicate"),
        (13, "nip_empty"),
    ]


def test_missing_columns_and_empty_file() -> None:
    assert _errors("nip,name\n199503172020121005,Budi\n") == [(1, "header_missing")]
    assert _errors(HEADER) == [(1, "no_rows")]


def test_multiple_roles_and_bom_and_spaced_nip() -> None:
    text = "\ufeff" + HEADER + "19950317 202012 1 005,Budi,mentor;supervisor,,,,wib,\n"
    parsed = parse_roster(text)
    assert parsed.errors == []
    entry = parsed.entries[0]
    assert entry.nip == "199503172020121005"
    assert entry.roles == frozenset({"mentor", "supervisor"})
    assert entry.timezone == "Asia/Jakarta"


async def test_import_is_idempotent_and_edits_update(svc: Services, clock: FixedClock) -> None:
    first = await import_roster(svc, await validate_roster(svc, GOOD))
    assert (first.created, first.updated, first.unchanged) == (8, 0, 0)
    codes = {p.nip: i.code for p, i in first.invites}
    assert len(set(codes.values())) == 8

    clock.advance(timedelta(hours=1))
    again = await import_roster(svc, await validate_roster(svc, GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)
    assert {p.nip: i.code for p, i in again.invites} == codes  # no new codes

    edited = GOOD.replace(
        "Budi Santoso,mentee,Bidang Pengembangan SDM",
        "Budi Santoso S.T.,mentee;mentor,Bidang Mutasi",
    )
    third = await import_roster(svc, await validate_roster(svc, edited))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 7)
    async with svc.db.read() as conn:
        budi = await people.get_person_by_nip(conn, "199503172020121005")
        rina = await people.get_person_by_nip(conn, "198209142008012003")
    assert budi is not None
    assert rina is not None
    assert (budi.name, budi.unit, budi.roles) == (
        "Budi Santoso S.T.",
        "Bidang Mutasi",
        frozenset({"mentee", "mentor"}),
    )
    assert budi.mentor_id == rina.id


async def test_bad_file_imports_nothing(svc: Services) -> None:
    bad = GOOD + "123,Broken,mentee,,,,,\n"
    parsed = await validate_roster(svc, bad)
    assert [e.line for e in parsed.errors] == [10]
    async with svc.db.read() as conn:
        assert await people.all_people(conn) == []


async def test_references_may_point_at_people_already_stored(svc: Services) -> None:
    await import_roster(svc, await validate_roster(svc, GOOD))
    newcomer = HEADER + "200001012024011009,Nia,mentee,,197102031998031002,198209142008012003,,\n"
    parsed = await validate_roster(svc, newcomer)
    assert parsed.errors == []
    report = await import_roster(svc, parsed)
    assert report.created == 1


def test_invites_csv_has_links(svc: Services) -> None:
    from bot.flows.roster_import import ImportReport

    assert invites_csv(ImportReport(), "pembina_demo_bot") == "nip,name,role,code,link\n"


async def test_capacity_column(svc: Services) -> None:
    text = HEADER.strip() + ",capacity\n" + "198209142008012003,Rina,mentor,,,,,,5\n"
    parsed = await validate_roster(svc, text)
    assert parsed.errors == []
    await import_roster(svc, parsed)
    async with svc.db.read() as conn:
        rina = await people.get_person_by_nip(conn, "198209142008012003")
    assert rina is not None
    assert rina.mentor_capacity == 5
    bad = HEADER.strip() + ",capacity\n" + "198209142008012003,Rina,mentor,,,,,,0\n"
    assert [(e.line, e.key) for e in parse_roster(bad).errors] == [(2, "capacity")]
