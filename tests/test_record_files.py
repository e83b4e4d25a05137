"""The consultation record writers on their own: many sessions run over several pages with
the table heading repeated on each, every page says "Halaman X dari Y", long topics are
wrapped whole, text the font cannot draw is left out, and the CSV holds the same rows."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from pypdf import PdfReader

from bot.exports.record_files import file_stem, long_date, record_csv, record_pdf
from bot.flows.record import MilestoneRow, Record, RecordPerson, ReflectionRow, SessionRow

LONG = "Analisis pemangku kepentingan dan isu strategis unit kerja " * 4


def _record(sessions: int, *, with_nip: bool = False) -> Record:
    first = date(2026, 12, 7)
    return Record(
        programme="Perubahan 2027",
        starts_on=first,
        ends_on=date(2027, 3, 26),
        mentee=RecordPerson(
            "Ni Luh Ayu Sántana",
            "199904112023022010" if with_nip else None,
            "Bidang Pengembangan SDM",
        ),
        mentor=RecordPerson("Rina Kartika", "198209142008012003" if with_nip else None, None),
        sessions=tuple(
            SessionRow(
                held_on=first + timedelta(days=n),
                topic=(LONG if n % 10 == 0 else f"Topik nomor {n + 1}")
                + (" 🎯" if n == 3 else ""),
                mode="online" if n % 2 else "offline",
                minutes=45,
                state=("confirmed", "disputed", "unconfirmed")[n % 3],
                answered_at=datetime(2026, 12, 20, 10, 0) if n % 3 != 2 else None,
                answered_by="Budi Santoso",
            )
            for n in range(sessions)
        ),
        reflections=(
            ReflectionRow(
                first, "approved", "approve", datetime(2026, 12, 11, 9, 0), "Rina Kartika"
            ),
            ReflectionRow(first + timedelta(days=7), "submitted", None, None, None),
        ),
        milestones=(
            MilestoneRow(
                "@milestone.perubahan.design",
                date(2026, 12, 21),
                "confirmed",
                datetime(2026, 12, 20, 8, 0),
                datetime(2026, 12, 21, 9, 0),
            ),
            MilestoneRow(
                "Judul tonggak buatan koordinator",
                None,
                "done",
                datetime(2026, 12, 22, 8, 0),
                None,
            ),
        ),
        generated_at=datetime(2026, 12, 23, 14, 5),
        zone="WITA",
        with_nip=with_nip,
    )


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_many_sessions_run_over_pages_with_repeated_headings_and_page_numbers() -> None:
    pages = _pages(record_pdf(_record(120), "id"))
    assert len(pages) >= 4
    for number, text in enumerate(pages, 1):
        assert f"Halaman {number} dari {len(pages)}" in text
        assert "dibuat 23 Desember 2026 pukul 14.05 WITA" in text
    session_pages = [p for p in pages if "Topik nomor" in p]
    assert len(session_pages) >= 3
    heading = "No. Tanggal Topik Moda Menit JP Status"
    assert all(heading in " ".join(p.split()) for p in session_pages)
    everything = " ".join(" ".join(p.split()) for p in pages)
    for n in range(120):
        if n % 10:
            assert f"Topik nomor {n + 1} " in everything
    assert everything.count(" ".join(LONG.split())) == 12  # wrapped, never cut
    assert "🎯" not in everything  # no glyph in the font: left out, not a box
    assert "1800 menit = 40,00 JP" in everything  # only the 40 confirmed sessions count
    # Signatures come last, after every table.
    assert everything.rindex("Rancangan proyek perubahan") < everything.rindex("Mentor Rina")
    assert "Mentor Rina Kartika Mentee Ni Luh Ayu Sántana" in " ".join(pages[-1].split())


def test_empty_record_in_english_and_nip_only_when_asked() -> None:
    base = _record(0)
    bare = Record(
        base.programme, base.starts_on, base.ends_on, base.mentee, None, (), (), (),
        base.generated_at, base.zone, False,
    )  # fmt: skip
    pages = _pages(record_pdf(bare, "en"))
    text = " ".join(" ".join(p.split()) for p in pages)
    assert "Mentoring consultation record" in text
    assert "No mentoring session has been logged yet." in text
    assert "No reflection has been sent yet." in text
    assert "This programme has no milestones." in text
    assert "Page 1 of 1" in text
    assert "Generated 23 December 2026 at 14:05 WITA" in text
    assert "NIP" not in text

    with_nip = " ".join(
        " ".join(p.split()) for p in _pages(record_pdf(_record(2, with_nip=True), "id"))
    )
    assert "NIP mentee 199904112023022010" in with_nip
    assert "NIP mentor 198209142008012003" in with_nip


def test_csv_has_one_row_per_event_with_its_kind() -> None:
    record = _record(4, with_nip=True)
    rows = list(csv.DictReader(io.StringIO(record_csv(record, "id").decode("utf-8-sig"))))
    assert [r["Jenis"] for r in rows] == ["Sesi mentoring"] * 4 + ["Refleksi"] * 2 + [
        "Tonggak"
    ] * 2
    assert rows[0]["NIP mentee"] == "199904112023022010"
    assert rows[0]["JP"] == "1.00"
    assert rows[0]["Waktu status"] == "2026-12-20 10:00"
    assert rows[2]["Status"] == "Belum dikonfirmasi"
    assert rows[2]["Waktu status"] == ""
    assert [r["Status"] for r in rows[4:6]] == ["Disetujui", "Menunggu tinjauan"]
    assert rows[6]["Uraian"] == "Rancangan proyek perubahan disetujui"
    assert rows[7]["Status"] == "Selesai, menunggu konfirmasi"


def test_dates_and_file_names() -> None:
    assert long_date(date(2026, 12, 4), "id") == "4 Desember 2026"
    assert long_date(date(2027, 2, 1), "en") == "1 February 2027"
    assert file_stem("Ni Luh Ayu Sántana", "Perubahan 2027", "id") == (
        "kartu-konsultasi-ni-luh-ayu-santana-perubahan-2027"
    )
