"""Writers report rows done as they go; the runner's figure is the mean of the files' shares."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from bot.exports import ledger_files
from bot.exports.progress import EVERY, Progress
from bot.flows.ledger import Ledger, PersonTotal
from storage.ledger import LedgerEntry, LedgerPerson


def _ledger(rows: int) -> Ledger:
    person = LedgerPerson(1, "Budi Santoso", "199503172020121005", "Dinas Kominfo")
    entries = [
        LedgerEntry(1, 1, "Latsar", date(2026, 1, 5), "reflection", 60, None) for _ in range(rows)
    ]
    return Ledger(2026, True, [PersonTotal(person, 60 * rows)], entries)


def test_progress_is_the_mean_of_the_files_and_reaches_100_only_at_the_end() -> None:
    progress = Progress(2)
    assert progress.percent == 0
    progress.part(0)(50, 100)
    assert progress.percent == 25
    progress.part(0)(100, 100)
    progress.part(1)(999, 1000)
    assert progress.percent == 99
    progress.part(1)(0, 0)  # an empty file is complete
    assert progress.percent == 100


def test_writers_report_rows_as_they_go_and_finish_at_their_total() -> None:
    found = _ledger(3 * EVERY)
    for writer in (ledger_files.ledger_xlsx, ledger_files.ledger_csv):
        seen: list[tuple[int, int]] = []
        writer(found, "id", lambda done, total, seen=seen: seen.append((done, total)))
        assert len(seen) > 2, writer
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert seen[-1][0] == seen[-1][1]


def test_write_only_workbook_keeps_frozen_header_widths_dates_and_nip_as_text() -> None:
    book = load_workbook(io.BytesIO(ledger_files.ledger_xlsx(_ledger(3), "id")))
    rows = book["Latsar"]
    assert rows.freeze_panes == "A2"
    assert rows["A1"].font.b
    assert rows["B2"].value == "199503172020121005"
    assert rows["B2"].number_format == "@"
    assert rows["C2"].number_format == "General"  # the text style stays in its column
    assert rows["D2"].is_date
    assert rows["D2"].number_format == "yyyy-mm-dd"
    assert rows["E2"].number_format == "General"  # the styled cells do not leak onwards
    assert rows.column_dimensions["B"].width >= 18
