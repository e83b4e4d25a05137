"""/ledgerjp: the JP ledger as XLSX and CSV documents, each reader seeing only their people.

The evidence is written straight to storage (how it got there is other tests' business):
Budi has an approved reflection (90 minutes), a confirmed session (60) and a disputed one
(120, never counted); Maria, in another mentor's care and nobody's supervision here, has a
confirmed 45-minute session. The files are downloaded from the double and read back.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import pairings, people, programmes, reflections, sessions
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import PROGRAMME, paired

BUDI_NIP = "199503172020121005"
BUDI_JP = round((90 + 60) / 45, 2)


async def _evidence(bot: BotUnderTest) -> None:
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        programme = await programmes.get_programme_by_name(conn, PROGRAMME)
        assert programme is not None
        budi = await people.get_person_by_nip(conn, BUDI_NIP)
        maria = await people.get_person_by_nip(conn, "199802142022032008")
        assert budi is not None
        assert maria is not None
        budi_mentor = (await pairings.of_mentee(conn, budi.id, ("active",)))[0].mentor_id
        maria_mentor = (await pairings.of_mentee(conn, maria.id, ("active",)))[0].mentor_id
        draft = await reflections.open_draft(conn, programme.id, budi.id, date(2026, 12, 7), now)
        await reflections.save_answer(conn, draft.id, 0, "1,5 jam", now, minutes=90)
        await reflections.set_state(conn, draft.id, status="approved", now=now, expect=("draft",))
        await reflections.add_review(
            conn, reflection_id=draft.id, reviewer_id=budi_mentor, version=1,
            decision="approve", comment=None, now=now,
        )  # fmt: skip
        for mentee, mentor, minutes, fate in (
            (budi.id, budi_mentor, 60, sessions.confirm),
            (budi.id, budi_mentor, 120, sessions.dispute),
            (maria.id, maria_mentor, 45, sessions.confirm),
        ):
            logged = await sessions.log_session(
                conn, programme_id=programme.id, mentor_id=mentor, mentee_id=mentee,
                held_on=date(2026, 12, 8), minutes=minutes, topic="Proyek", mode="offline",
                logged_by_id=mentor, now=now,
            )  # fmt: skip
            assert await fate(conn, logged.id, now)


async def _documents(bot: BotUnderTest, user: DoubleUser, command: str) -> list[SentMessage]:
    await user.send_text(command)
    await bot.drained()
    return [m for m in user.unread() if m.kind == "document"]


def _workbook(double: TelegramDouble, message: SentMessage) -> Workbook:
    return load_workbook(io.BytesIO(double.file(message.file_ids[0]).data))


async def test_coordinator_ledger_counts_confirmed_evidence_with_nip_as_text(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _evidence(bot)
    siti = users["Siti Rahmawati"]
    xlsx, csv_doc = await _documents(bot, siti, "/ledgerjp")  # this year: 2026
    assert double.file(xlsx.file_ids[0]).file_path.endswith("buku-jp-2026.xlsx")
    assert "Buku JP 2026" in xlsx.text
    book = _workbook(double, xlsx)
    assert book.sheetnames == ["Ringkasan", PROGRAMME]
    summary, rows = book["Ringkasan"], book[PROGRAMME]
    assert summary.freeze_panes == "A2"
    assert rows.freeze_panes == "A2"
    header = [c.value for c in summary[1]]
    assert header == ["Nama", "NIP", "Unit Kerja", "JP", "Target JP", "Sisa JP"]
    by_name = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    budi = by_name["Budi Santoso"]
    assert budi[1].value == BUDI_NIP
    assert budi[1].data_type == "s"
    assert budi[1].number_format == "@"
    assert budi[3].value == BUDI_JP
    assert budi[5].value == round(20 - BUDI_JP, 2)
    assert by_name["Maria Kogoya"][3].value == 1
    assert summary.column_dimensions["B"].width >= len(BUDI_NIP)
    table = [[c.value for c in r] for r in rows.iter_rows(min_row=2)]
    assert sorted(r[5] for r in table) == [45, 60, 90]  # the disputed 120 is not there
    dates = [r[3] for r in rows.iter_rows(min_row=2)]
    assert all(isinstance(c.value, datetime) and c.is_date for c in dates)
    reflection = next(r for r in table if r[4] == "Refleksi")
    assert reflection[7] == "Rina Kartika"  # the approving mentor
    session = next(r for r in table if r[5] == 60)
    assert session[4] == "Sesi mentoring"
    assert session[7] == "Budi Santoso"

    data = double.file(csv_doc.file_ids[0]).data
    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(int(r["Menit"]) for r in read) == [45, 60, 90]
    assert {r["NIP"] for r in read if r["Nama"] == "Budi Santoso"} == {BUDI_NIP}
    assert {r["Tanggal"] for r in read} == {"2026-12-07", "2026-12-08"}


async def test_supervisor_sees_only_their_people_and_no_nip(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _evidence(bot)
    xlsx, csv_doc = await _documents(bot, users["Dr. Agus Salim"], "/ledgerjp 2026")
    book = _workbook(double, xlsx)
    summary = book["Ringkasan"]
    assert [c.value for c in summary[1]] == ["Nama", "Unit Kerja", "JP", "Target JP", "Sisa JP"]
    names = {r[0].value for r in summary.iter_rows(min_row=2)}
    assert "Budi Santoso" in names
    assert "Maria Kogoya" not in names
    values = [c.value for ws in book for row in ws.iter_rows() for c in row]
    assert BUDI_NIP not in values
    assert "Maria Kogoya" not in values
    assert BUDI_NIP.encode() not in double.file(csv_doc.file_ids[0]).data


async def test_mentee_gets_only_themself_and_english_headers_for_english_reader(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _evidence(bot)
    xlsx, _ = await _documents(bot, users["Budi Santoso"], "/ledgerjp 2026")
    book = _workbook(double, xlsx)
    assert [r[0].value for r in book["Ringkasan"].iter_rows(min_row=2)] == ["Budi Santoso"]
    assert {r[0].value for r in book[PROGRAMME].iter_rows(min_row=2)} == {"Budi Santoso"}

    xlsx, csv_doc = await _documents(bot, users["Dewi Lestari"], "/ledger 2026")  # reads English
    book = _workbook(double, xlsx)
    assert book.sheetnames == ["Summary"]  # no rows of her own: no programme sheet
    assert [c.value for c in book["Summary"][1]][:2] == ["Name", "Unit"]
    assert [r[0].value for r in book["Summary"].iter_rows(min_row=2)] == ["Dewi Lestari"]
    assert "JP ledger 2026" in xlsx.text
    assert double.file(csv_doc.file_ids[0]).data.decode("utf-8-sig").startswith("Name,Programme")


async def test_a_year_that_is_not_one_is_explained(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti = users["Siti Rahmawati"]
    await siti.send_text("/ledgerjp duaribu")
    await bot.drained()
    replies = siti.unread()
    assert [m.kind for m in replies] == ["text"]
    assert "Mohon tuliskan tahun, misalnya 2026" in replies[0].text


async def test_mentor_sees_only_their_mentees(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    await _evidence(bot)
    xlsx, _ = await _documents(bot, users["Rina Kartika"], "/ledgerjp 2026")
    book = _workbook(double, xlsx)
    names = [r[0].value for r in book["Ringkasan"].iter_rows(min_row=2)]
    assert names == ["Budi Santoso", "Dewi Lestari"]
    assert "NIP" not in [c.value for c in book["Ringkasan"][1]]
    assert {r[0].value for r in book[PROGRAMME].iter_rows(min_row=2)} == {"Budi Santoso"}
