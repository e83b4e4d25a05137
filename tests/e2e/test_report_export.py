"""/laporan (/report): a programme's report as an XLSX document, each reader seeing only
their people.

Three weeks of a programme are written straight to storage (how they got there is other
tests' business), then the clock stands on Monday 28 December 2026, 09:00 WIB:

- Budi: week 7 Dec sent and approved 6 hours later (90 minutes); week 14 Dec sent on
  18 Dec and still waiting (10 days: overdue); week 21 Dec not sent.
- Maria: week 7 Dec sent, first reviewed (a comment) 30 hours later, then approved
  (60 minutes); week 14 Dec sent back for revision 50 hours after sending.
- Made: week 21 Dec sent, waiting. Dewi: nothing (three weeks missed).
- Sessions: Budi with Rina 60 minutes confirmed (rated 4, with a note), 120 disputed, 30
  not answered; Maria with Yohanes 45 confirmed (rated 2, with a note).

The files are downloaded from the double and read back with openpyxl.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.flows import programmes as programme_flows
from bot.flows.programmes import NewProgramme
from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import audit, pairings, people, programmes, reflections, sessions
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import NIPS, PROGRAMME, paired

NOW = datetime.fromisoformat("2026-12-28T02:00:00+00:00")  # Monday 09:00 WIB
WEEKS = [date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21)]
SECRET_NOTES = ("CATATAN-RAHASIA-BUDI", "CATATAN-RAHASIA-MARIA")
OTHER = "Latsar Jayapura 2027"
MARIA_NIP, YOHANES_NIP = "199802142022032008", "198011202005011004"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


async def _reflection(
    conn: Any,
    programme_id: int,
    person_id: int,
    week: date,
    sent: datetime,
    minutes: int | None,
    reviews: list[tuple[str, datetime]],
    status: str,
    reviewer: int,
) -> None:
    draft = await reflections.open_draft(conn, programme_id, person_id, week, sent)
    await reflections.save_answer(conn, draft.id, 0, "jawaban", sent, minutes=minutes)
    await reflections.set_state(
        conn, draft.id, status=status, now=sent, expect=("draft",), submitted_at=sent
    )
    for decision, at in reviews:
        await reflections.add_review(
            conn, reflection_id=draft.id, reviewer_id=reviewer, version=1,
            decision=decision, comment=None, now=at,
        )  # fmt: skip


async def _history(bot: BotUnderTest) -> None:
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        programme = await programmes.get_programme_by_name(conn, PROGRAMME)
        assert programme is not None
        pid = programme.id
        found = {n: await people.get_person_by_nip(conn, n) for n in NIPS}
        by_name = {p.name: p for p in found.values() if p is not None}
        budi, maria, made = (
            by_name["Budi Santoso"],
            by_name["Maria Kogoya"],
            by_name["Made Wirawan"],
        )
        rina, yohanes = by_name["Rina Kartika"], by_name["Yohanes Wenda"]
        sent = _at("2026-12-10T03:00:00")
        await _reflection(conn, pid, budi.id, WEEKS[0], sent, 90,
                          [("approve", sent + timedelta(hours=6))], "approved", rina.id)  # fmt: skip
        await _reflection(conn, pid, budi.id, WEEKS[1], _at("2026-12-18T02:00:00"), 60, [],
                          "submitted", rina.id)  # fmt: skip
        sent = _at("2026-12-11T05:00:00")
        await _reflection(
            conn, pid, maria.id, WEEKS[0], sent, 60,
            [("comment", sent + timedelta(hours=30)), ("approve", sent + timedelta(hours=40))],
            "approved", yohanes.id,
        )  # fmt: skip
        sent = _at("2026-12-17T00:00:00")
        await _reflection(conn, pid, maria.id, WEEKS[1], sent, 30,
                          [("revision", sent + timedelta(hours=50))], "revision", yohanes.id)  # fmt: skip
        await _reflection(conn, pid, made.id, WEEKS[2], _at("2026-12-24T02:00:00"), None, [],
                          "submitted", rina.id)  # fmt: skip
        for mentee, mentor, minutes, fate, rating, note in (
            (budi, rina, 60, sessions.confirm, 4, SECRET_NOTES[0]),
            (budi, rina, 120, sessions.dispute, None, None),
            (budi, rina, 30, None, None, None),
            (maria, yohanes, 45, sessions.confirm, 2, SECRET_NOTES[1]),
        ):
            logged = await sessions.log_session(
                conn, programme_id=pid, mentor_id=mentor.id, mentee_id=mentee.id,
                held_on=date(2026, 12, 15), minutes=minutes, topic="Proyek", mode="offline",
                logged_by_id=mentor.id, now=now,
            )  # fmt: skip
            if fate is not None:
                assert await fate(conn, logged.id, now)
            if rating is not None:
                await sessions.rate(conn, logged.id, rating, note)
    bot.clock.set(NOW)


async def _second_programme(bot: BotUnderTest) -> None:
    """A programme with only Jayapura's people: nobody Agus supervises."""
    created = await programme_flows.create(
        bot.svc,
        NewProgramme(
            name=OTHER, kind="perubahan", starts_on=date(2026, 12, 7),
            ends_on=date(2027, 3, 26), reflection_weekday=4,
            member_nips=(MARIA_NIP, YOHANES_NIP),
        ),
    )  # fmt: skip
    assert created.problems == []


async def _documents(bot: BotUnderTest, user: DoubleUser, command: str) -> list[SentMessage]:
    await user.send_text(command)
    await bot.drained()
    return [m for m in user.unread() if m.kind == "document"]


def _book(double: TelegramDouble, message: SentMessage) -> tuple[Workbook, bytes]:
    data = double.file(message.file_ids[0]).data
    return load_workbook(io.BytesIO(data)), data


def _rows(sheet: Worksheet) -> list[list[Any]]:
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def _summary(book: Workbook) -> dict[str, Any]:
    return {row[0]: row[1] for row in _rows(book["Ringkasan"])}


def _everything(book: Workbook, raw: bytes) -> str:
    """Every cell value and every XML part of the file, as one text to search."""
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row]
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        parts = [
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith(".xml")
        ]
    return "\n".join(cells + parts)


async def test_coordinator_gets_the_whole_programme_with_figures_storage_agrees_with(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _history(bot)
    await _second_programme(bot)
    siti = users["Siti Rahmawati"]
    await siti.send_text("/laporan")
    await bot.drained()
    choice = siti.unread()[-1]
    assert [b["text"] for b in choice.buttons] == [PROGRAMME, OTHER]
    assert all(len(b["callback_data"].encode()) <= 64 for b in choice.buttons)
    await siti.press(choice, PROGRAMME)
    await bot.drained()
    status, document = siti.unread()  # built beside the chat: a status first, then the file
    assert document.kind == "document"
    assert siti.current(status).text == f"✅ laporan {PROGRAMME} sudah dikirim."
    path = double.file(document.file_ids[0]).file_path
    assert path.endswith("laporan-perubahan-2027-2026-12-28.xlsx")
    assert "Laporan Perubahan 2027 (seluruh program): 4 mentee" in document.text
    assert "median waktu tinjauan 30 jam" in document.text
    assert "2 perlu perhatian" in document.text

    book, raw = _book(double, document)
    assert book.sheetnames == [
        "Ringkasan", "Tingkat mingguan", "Jumlah mingguan", "Perlu perhatian", "Peserta", "Sesi",
        "Log audit",
    ]  # fmt: skip
    for sheet in book:
        assert sheet.freeze_panes in ("A2", "B2")
    # The audit log of this programme, as storage holds it (not the other programme's).
    async with bot.svc.db.read() as conn:
        found = await programmes.get_programme_by_name(conn, PROGRAMME)
        assert found is not None
        logged = await audit.entries(conn, programme_id=found.id, limit=100)
    trail = _rows(book["Log audit"])
    assert len(trail) == len(logged) >= 2
    assert trail[-1][2] == "membuat program"  # the oldest: the programme was created
    assert trail[-1][1] == "baris perintah"  # by the command line (the test world's way)
    assert isinstance(trail[0][0], datetime)
    summary = _summary(book)
    async with bot.svc.db.read() as conn:
        programme = await programmes.get_programme_by_name(conn, PROGRAMME)
        assert programme is not None
        mentee_ids = await programmes.members(conn, programme.id, "mentee")
        active = [
            p for p in await pairings.of_programme(conn, programme.id) if p.status == "active"
        ]
        mentees = await people.get_people(conn, mentee_ids)
    assert summary["Mentee"] == len(mentee_ids) == 4
    assert summary["Mentee yang memiliki mentor"] == len({p.mentee_id for p in active})
    assert summary["Mentee di Telegram"] == 4
    assert summary["Refleksi mingguan yang wajib"] == 12
    assert summary["Refleksi mingguan yang terkirim"] == 5
    assert summary["Tingkat pengiriman"] == 5 / 12
    assert summary["Mulai"] == datetime(2026, 12, 7)
    assert summary["Refleksi yang sudah ditinjau"] == 3
    assert summary["Waktu tinjauan, median (jam)"] == 30
    assert abs(summary["Waktu tinjauan, rata-rata (jam)"] - (6 + 30 + 50) / 3) < 0.01
    assert summary["Refleksi menunggu tinjauan"] == 2
    assert summary["Menunggu tinjauan lebih dari 7 hari"] == 1
    assert summary["Sesi dicatat"] == 4
    assert summary["Sesi dikonfirmasi"] == 2
    assert summary["Sesi disanggah (tidak sesuai catatan)"] == 1
    assert summary["Sesi belum dijawab"] == 1
    assert summary["Rata-rata penilaian (1-4)"] == 3
    assert summary["Sesi yang dinilai"] == 2
    assert summary["Pegawai yang perlu perhatian"] == 2
    # The digest's chart is in the file, as a PNG on the summary sheet.
    assert len(book["Ringkasan"]._images) == 1
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        media = [n for n in archive.namelist() if n.startswith("xl/media/")]
    assert len(media) == 1
    assert media[0].endswith(".png")

    rates = book["Tingkat mingguan"]
    header = [c.value for c in rates[1]]
    assert header[0] == "Unit Kerja"
    assert [h.date() for h in header[1:]] == WEEKS
    table = {row[0]: row[1:] for row in _rows(rates)}
    assert table["Semua"] == [2 / 4, 2 / 4, 1 / 4]
    assert table["Bidang Pengembangan SDM"] == [1 / 2, 1 / 2, 0]
    assert table["Bidang Mutasi"] == [0, 0, 1]
    assert table["BKPSDM Kab. Jayapura"] == [1, 1, 0]
    assert rates["B2"].number_format == "0%"
    counts = {(r[0], r[1].date()): (r[2], r[3]) for r in _rows(book["Jumlah mingguan"])}
    assert counts[("Semua", WEEKS[2])] == (4, 1)
    assert counts[("Bidang Pengembangan SDM", WEEKS[0])] == (2, 1)

    risk = {r[0]: r for r in _rows(book["Perlu perhatian"])}
    assert set(risk) == {"Budi Santoso", "Dewi Lestari"}
    assert "lebih dari 7 hari" in risk["Budi Santoso"][3]
    assert risk["Dewi Lestari"][4] == 3  # weeks missed in a row

    persons = book["Peserta"]
    assert [c.value for c in persons[1]][:3] == ["Nama", "NIP", "Unit Kerja"]
    rows = {r[0]: r for r in _rows(persons)}
    assert set(rows) == {p.name for p in mentees}
    budi = rows["Budi Santoso"]
    assert budi[1] == "199503172020121005"
    assert persons.cell(row=2, column=2).data_type == "s"
    assert persons.cell(row=2, column=2).number_format == "@"
    assert budi[3] == "Rina Kartika"
    assert budi[5:9] == [3, 2, 2 / 3, 1]  # weeks due, sent, rate, approved
    assert budi[11] == round((90 + 60) / 45, 2)  # JP: approved hours and confirmed sessions
    assert budi[12] == datetime(2026, 12, 15)
    assert rows["Maria Kogoya"][11] == round((60 + 45) / 45, 2)

    mentors = {r[0]: r for r in _rows(book["Sesi"])}
    assert mentors["Rina Kartika"][2:6] == [3, 1, 1, 1]
    assert mentors["Rina Kartika"][7] == 4
    assert mentors["Yohanes Wenda"][7] == 2
    assert mentors["Jumlah"][1:3] == [2, 4]  # Budi and Maria; four sessions logged
    text = _everything(book, raw)
    assert not any(note in text for note in SECRET_NOTES)  # never a note, even here


async def test_supervisor_gets_only_their_people_without_nip_or_ratings(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _history(bot)
    await _second_programme(bot)
    agus = users["Dr. Agus Salim"]
    # Agus has nobody in the Jayapura programme: the one programme with his people comes
    # straight away, without a choice.
    (document,) = await _documents(bot, agus, "/laporan")
    assert "pegawai yang Bapak/Ibu bina sebagai atasan" in document.text
    book, raw = _book(double, document)
    summary = _summary(book)
    assert summary["Mentee"] == 3  # Budi, Dewi, Made
    assert summary["Mentor"] == 1  # Rina
    assert summary["Refleksi mingguan yang wajib"] == 9
    assert summary["Refleksi mingguan yang terkirim"] == 3
    assert "Rata-rata penilaian (1-4)" not in summary
    assert {r[0] for r in _rows(book["Peserta"])} == {
        "Budi Santoso", "Dewi Lestari", "Made Wirawan",
    }  # fmt: skip
    assert "NIP" not in [c.value for c in book["Peserta"][1]]
    assert "Log audit" not in book.sheetnames  # a coordinator's sheet only
    assert "BKPSDM Kab. Jayapura" not in {r[0] for r in _rows(book["Tingkat mingguan"])}
    text = _everything(book, raw)
    assert "Maria Kogoya" not in text
    assert not any(nip in text for nip in NIPS)  # no NIP digits anywhere in the file
    assert not any(note in text for note in SECRET_NOTES)
    assert "⭐" not in text


async def test_supervisor_cannot_have_a_programme_they_have_nobody_in(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _second_programme(bot)
    async with bot.svc.db.read() as conn:
        other = await programmes.get_programme_by_name(conn, OTHER)
    assert other is not None
    agus = users["Dr. Agus Salim"]
    await agus.send_text("/laporan")
    await bot.drained()
    agus.unread()
    await agus.press_data(agus.messages[-1].message_id, f"rp:p:{other.id}")
    await bot.drained()
    assert double.callback_answers[-1]["show_alert"] is True
    assert agus.unread() == []
    # By name neither: the programme is not among his.
    await agus.send_text("/laporan jayapura")
    await bot.drained()
    (reply,) = agus.unread()
    assert reply.kind == "text"
    assert "Tidak ada program dengan pegawai Bapak/Ibu yang namanya memuat" in reply.text
    # The coordinator names it and gets it without a choice.
    siti = users["Siti Rahmawati"]
    (document,) = await _documents(bot, siti, "/laporan jayapura")
    assert "Laporan Latsar Jayapura 2027" in document.text


async def test_a_mentee_is_refused_and_a_mentor_sees_only_their_mentees(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _history(bot)
    budi = users["Budi Santoso"]
    await budi.send_text("/laporan")
    await bot.drained()
    (reply,) = budi.unread()
    assert reply.kind == "text"
    assert "hanya tersedia bagi mentor, atasan, dan koordinator" in reply.text
    await budi.press_data(reply.message_id, "rp:p:1")
    await bot.drained()
    assert double.callback_answers[-1]["show_alert"] is True
    assert budi.unread() == []

    yohanes = users["Yohanes Wenda"]
    async with bot.svc.db.read() as conn:
        me = await people.get_person_by_nip(conn, YOHANES_NIP)
        assert me is not None
        mine = {p.mentee_id for p in await pairings.of_mentor(conn, me.id, ("active",))}
        names = {p.name for p in await people.get_people(conn, sorted(mine))}
    (document,) = await _documents(bot, yohanes, "/report")
    book, raw = _book(double, document)
    assert {r[0] for r in _rows(book["Peserta"])} == names
    assert "Budi Santoso" not in _everything(book, raw)
