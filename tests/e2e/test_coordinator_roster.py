"""A coordinator sends the roster as Excel saved it, in chat: `;` CSV in Windows-1252 with
Indonesian headers and roles, a real .xlsx, and a sheet whose NIPs Excel turned into numbers."""

from __future__ import annotations

import io

from openpyxl import Workbook

from bot.telegram_double import DoubleUser, TelegramDouble
from storage import people
from tests.e2e.conftest import ADMIN_ID, BotUnderTest

HEADER_ID = ["NIP", "Nama", "Peran", "Unit Kerja", "NIP Atasan"]
ROWS = [
    ["197102031998031002", "Dr. Agus Salim", "atasan", "Bidang Pengembangan SDM", ""],
    ["197805122003122001", "Siti Rahmawati", "koordinator", "BKPSDM Kota Bogor", ""],
    ["199503172020121005", "Budi Santoso", "peserta", "Bidang Mutasi", "197102031998031002"],
    ["198011202005011004", "Yohanes Wénda", "mentor", "BKPSDM Kab. Jayapura", ""],
]


def excel_csv(rows: list[list[str]]) -> bytes:
    """What Indonesian Excel writes for "CSV (dipisahkan koma)": `;`, CRLF, Windows-1252."""
    lines = [";".join(HEADER_ID), *(";".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER_ID)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def roster_in_db(bot: BotUnderTest) -> dict[str, tuple[str, frozenset[str]]]:
    async with bot.svc.db.read() as conn:
        return {p.nip or "": (p.name, p.roles) for p in await people.all_people(conn)}


async def send_roster(
    coordinator: DoubleUser, data: bytes, name: str, mime: str = "text/csv"
) -> None:
    await coordinator.send_document(data, name, mime)


async def test_semicolon_cp1252_roster_with_indonesian_headers_is_imported(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    coordinator = double.user(ADMIN_ID, first_name="Admin")
    await send_roster(coordinator, excel_csv(ROWS), "roster.csv")
    await double.settle()
    replies = coordinator.unread()
    assert "Roster diimpor" in replies[0].text, replies[0].text
    assert "4 baru" in replies[0].text
    invites = replies[1]
    assert invites.kind == "document"
    assert "4 orang" in invites.text
    stored = await roster_in_db(bot)
    assert stored["198011202005011004"] == ("Yohanes Wénda", frozenset({"mentor"}))
    assert stored["197102031998031002"][1] == frozenset({"supervisor"})
    assert stored["197805122003122001"][1] == frozenset({"coordinator"})
    assert stored["199503172020121005"][1] == frozenset({"mentee"})


async def test_xlsx_roster_is_imported(bot: BotUnderTest, double: TelegramDouble) -> None:
    coordinator = double.user(ADMIN_ID, first_name="Admin", language_code="en")
    data = xlsx([list(r) for r in ROWS])
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    await send_roster(coordinator, data, "Daftar Peserta.xlsx", mime)
    await double.settle()
    replies = coordinator.unread()
    assert "Roster imported" in replies[0].text, replies[0].text
    assert replies[1].kind == "document"
    stored = await roster_in_db(bot)
    assert set(stored) == {r[0] for r in ROWS}


async def test_nip_excel_turned_into_a_number_is_explained_and_nothing_imported(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    coordinator = double.user(ADMIN_ID, first_name="Admin")
    mangled = [["1.99503E+17", *ROWS[2][1:4], ""], ROWS[0]]
    await send_roster(coordinator, excel_csv(mangled), "roster.csv")
    await double.settle()
    reply = coordinator.unread()[0].text
    assert "Roster ditolak" in reply
    assert "• baris 2: NIP tertulis 1.99503E+17" in reply
    assert reply.count("Format kolom NIP sebagai Teks") == 1
    assert await roster_in_db(bot) == {}


async def test_numeric_nip_cells_in_xlsx_are_explained(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    coordinator = double.user(ADMIN_ID, first_name="Admin", language_code="en")
    rows: list[list[object]] = [[199503172020121005, *ROWS[2][1:4], ""]]
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    await send_roster(coordinator, xlsx(rows), "roster.xlsx", mime)
    await double.settle()
    reply = coordinator.unread()[0].text
    assert "Format the NIP column as Text" in reply, reply
    assert await roster_in_db(bot) == {}


async def test_someone_who_is_not_a_coordinator_cannot_import(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    stranger = double.user(4242, first_name="Eko")
    await send_roster(stranger, excel_csv(ROWS), "roster.csv")
    await double.settle()
    assert "Roster" not in stranger.unread()[0].text
    assert await roster_in_db(bot) == {}
