"""The one roster parser, fed what spreadsheet programs really save."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from bot.flows.roster import hints, parse_roster_file
from bot.flows.roster_file import Table, cell_text, decode_text, read_table, sniff_delimiter
from tests.test_cli import _pembina

ID_HEADER = "NIP;Nama;Peran;Unit Kerja;NIP Atasan;NIP Mentor;Zona Waktu;Bahasa;Kapasitas"
SUPERVISOR = "197102031998031002;Dr. Agus Salim;atasan;Bidang SDM;;;WIB;id;"
MENTEE = "199503172020121005;Budi Santoso;peserta;Bidang SDM;197102031998031002;;WITA;en;"


def _entries(data: bytes, name: str = "roster.csv") -> dict[str, tuple[str, frozenset[str]]]:
    parsed = parse_roster_file(data, name)
    assert parsed.errors == [], parsed.errors
    return {e.nip: (e.name, e.roles) for e in parsed.entries}


def _keys(data: bytes, name: str = "roster.csv") -> list[tuple[int, str]]:
    return [(e.line, e.key) for e in parse_roster_file(data, name).errors]


def test_semicolons_windows_1252_indonesian_headers_and_roles() -> None:
    text = "\r\n".join([ID_HEADER, SUPERVISOR.replace("Agus", "Agús"), MENTEE, ""])
    parsed = parse_roster_file(text.encode("cp1252"), "roster.csv")
    assert parsed.errors == []
    boss, budi = parsed.entries
    assert (boss.name, boss.roles) == ("Dr. Agús Salim", frozenset({"supervisor"}))
    assert budi.roles == frozenset({"mentee"})
    assert (budi.supervisor_nip, budi.timezone, budi.language) == (
        "197102031998031002",
        "Asia/Makassar",
        "en",
    )


def test_utf8_with_and_without_bom_and_utf16_read_alike() -> None:
    text = "\n".join([ID_HEADER, SUPERVISOR, MENTEE])
    plain = _entries(text.encode("utf-8"))
    assert _entries(b"\xef\xbb\xbf" + text.encode("utf-8")) == plain
    assert _entries(text.encode("utf-16")) == plain
    assert _entries(text.replace(";", "\t").encode("utf-16"), "roster.txt") == plain


def test_comma_file_with_several_roles_in_one_cell_keeps_comma() -> None:
    text = 'nip,name,role\n197805122003122001,Siti,"mentor;koordinator"\n'
    assert sniff_delimiter(text) == ","
    assert _entries(text.encode()) == {
        "197805122003122001": ("Siti", frozenset({"mentor", "coordinator"}))
    }


def test_semicolon_file_with_roles_separated_by_commas() -> None:
    text = 'NIP;Nama;Peran\n197805122003122001;Siti;"mentor, Koordinator"\n'
    assert sniff_delimiter(text) == ";"
    assert _entries(text.encode())["197805122003122001"][1] == {"mentor", "coordinator"}


def test_trailing_empty_fields_excel_adds_are_not_too_many() -> None:
    text = "NIP;Nama;Peran\n197805122003122001;Siti;mentor;;;\n199503172020121005;B;mentee;x\n"
    assert _keys(text.encode()) == [(3, "too_many_fields")]


def test_header_is_missing_only_when_no_alias_matches() -> None:
    assert _keys(b"Nomor;Nama;Peran\n1;Siti;mentor\n") == [(1, "header_missing")]
    assert parse_roster_file(b"Nomor;Nama\n1;Siti\n", "r.csv").errors[0].values == {
        "columns": "nip, role"
    }


def test_scientific_nips_are_explained_in_every_nip_column() -> None:
    text = "\n".join(
        [
            "NIP;Nama;Peran;NIP Atasan",
            "1.99503E+17;Budi;peserta;",
            "199503172020121005;Budi;peserta;1,97102E+17",
        ]
    )
    errors = parse_roster_file(text.encode(), "r.csv").errors
    assert [(e.line, e.key, e.values["column"]) for e in errors] == [
        (2, "nip_scientific", "NIP"),
        (3, "nip_scientific", "NIP Atasan"),
    ]
    assert errors[0].values["value"] == "1.99503E+17"
    assert hints(errors) == ["roster.hint.nip_as_text"]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_text_cells_and_numeric_nips() -> None:
    data = _xlsx(
        [
            ["NIP", "Nama", "Peran", "Kapasitas"],
            ["197805122003122001", "Siti", "Koordinator", None],
            [None, None, None, None],
            ["198209142008012003", "Rina", "mentor", 3],
        ]
    )
    parsed = parse_roster_file(data, "Roster.XLSX")
    assert parsed.errors == []
    assert [(e.line, e.nip, e.capacity) for e in parsed.entries] == [
        (2, "197805122003122001", None),
        (4, "198209142008012003", 3),
    ]
    numeric = _xlsx([["NIP", "Nama", "Peran"], [199503172020121005, "Budi", "mentee"]])
    errors = parse_roster_file(numeric, "roster.xlsx").errors
    assert [(e.key, e.values["value"]) for e in errors] == [("nip_scientific", "1.99503E+17")]


def test_cells_read_as_excel_shows_them() -> None:
    assert cell_text(199503172020121005) == "1.99503E+17"
    assert cell_text(3.0) == "3"
    assert cell_text(None) == ""


def test_unreadable_files_say_what_to_do() -> None:
    assert _keys(b"\xd0\xcf\x11\xe0rest of an old xls", "roster.xls") == [(1, "old_excel")]
    assert _keys(b"PK\x03\x04 not really a zip", "roster.xlsx") == [(1, "xlsx_unreadable")]
    assert _keys(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.csv") == [(1, "not_text")]
    assert _keys(b"", "empty.csv") == [(1, "no_rows")]
    assert decode_text(b"caf\x81") == "caf\x81"  # undefined in cp1252: latin-1, no exception
    assert isinstance(read_table(b"nip\n", "r.csv"), Table)


def test_cli_imports_the_same_excel_files(tmp_path: Path) -> None:
    """The command line reads files through the same parser as the chat upload."""
    sheet = tmp_path / "Daftar Peserta.xlsx"
    sheet.write_bytes(
        _xlsx([["NIP", "Nama", "Peran"], ["197805122003122001", "Siti Rahmawati", "koordinator"]])
    )
    result = _pembina(tmp_path, "roster", "import", str(sheet), PEMBINA_LANGUAGE="en")
    assert result.returncode == 0, result.stderr
    assert "Roster imported: 1 new" in result.stdout
    broken = tmp_path / "rusak.csv"
    broken.write_bytes(b"NIP;Nama;Peran\r\n1.99503E+17;Budi;peserta\r\n")
    refused = _pembina(tmp_path, "roster", "import", str(broken), PEMBINA_LANGUAGE="en")
    assert refused.returncode == 1
    assert "line 2: NIP reads 1.99503E+17" in refused.stderr
    assert "Format the NIP column as Text" in refused.stderr


def test_demo_samples_a_coordinator_can_try() -> None:
    """``:roster`` in the playground sends these; the .xlsx and the `;` CSV say the same."""
    demo = Path(__file__).parent.parent / "bot" / "demo"
    xlsx_entries = _entries((demo / "roster-excel.xlsx").read_bytes(), "roster-excel.xlsx")
    assert _entries((demo / "roster-excel.csv").read_bytes()) == xlsx_entries
    assert len(xlsx_entries) == 10
    broken = parse_roster_file((demo / "roster-nip-rusak.csv").read_bytes(), "rusak.csv")
    assert {e.key for e in broken.errors} == {"nip_scientific"}


def test_a_title_above_the_header_is_skipped() -> None:
    data = _xlsx(
        [
            ["DAFTAR PESERTA LATSAR CPNS 2027"],
            ["BKPSDM Kota Bogor"],
            ["No", "NIP", "Nama", "Peran", "Unit Kerja"],
            [1, "197805122003122001", "Siti", "Koordinator", "BKPSDM"],
            [2, "198209142008012003", "Rina", "Pendamping", "Bidang SDM"],
        ]
    )
    parsed = parse_roster_file(data, "peserta.xlsx")
    assert parsed.errors == []
    assert [(e.line, e.name, e.roles) for e in parsed.entries] == [
        (4, "Siti", frozenset({"coordinator"})),
        (5, "Rina", frozenset({"mentor"})),
    ]
