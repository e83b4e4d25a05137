"""The ledger writers on plain data: sheet names Excel accepts, empty ledgers, CSV typing."""

from __future__ import annotations

import gc
import io
import sys
from datetime import date

import pytest
from openpyxl import load_workbook

from bot.exports.ledger_files import ledger_csv, ledger_xlsx
from bot.exports.progress import EVERY, Stopped
from bot.flows.ledger import Ledger, PersonTotal
from storage.ledger import SESSION, LedgerEntry, LedgerPerson

ANI = LedgerPerson(1, "Ani", "199001012015032001", "BKPSDM")


def _entry(programme_id: int, programme: str) -> LedgerEntry:
    return LedgerEntry(1, programme_id, programme, date(2026, 5, 4), SESSION, 45, "Rina")


def test_programme_names_become_legal_unique_sheet_titles() -> None:
    long = "Latsar/CPNS [Angkatan 1]: Kabupaten Jayapura Tahun 2026"
    entries = [_entry(1, long), _entry(2, long), _entry(3, "Ringkasan")]
    ledger = Ledger(2026, True, [PersonTotal(ANI, 135)], entries)
    book = load_workbook(io.BytesIO(ledger_xlsx(ledger, "id")))
    titles = book.sheetnames
    assert titles[0] == "Ringkasan"
    assert len(set(titles)) == 4
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    assert book["Ringkasan"]["D2"].value == 3


def test_empty_ledger_is_a_summary_sheet_and_a_header_line() -> None:
    ledger = Ledger(2026, False, [PersonTotal(ANI, 0)], [])
    book = load_workbook(io.BytesIO(ledger_xlsx(ledger, "en")))
    assert book.sheetnames == ["Summary"]
    assert [c.value for c in book["Summary"][2]] == ["Ani", "BKPSDM", 0, 20, 20]
    text = ledger_csv(ledger, "en").decode("utf-8-sig")
    assert text == "Name,Programme,Date,Kind,Minutes,JP,Confirmed by\r\n"


def test_a_build_stopped_between_rows_leaves_nothing_to_fail_later() -> None:
    """A stopped export raises between rows; the write-only sheets it had started were left
    to the garbage collector, which failed in whatever ran next ("Exception ignored":
    another test's setup on the PostgreSQL CI leg)."""
    entries = [_entry(1, "Latsar")] * (3 * EVERY)
    ledger = Ledger(2026, True, [PersonTotal(ANI, 135)], entries)

    def stop(done: int, total: int) -> None:
        if done >= EVERY:
            raise Stopped

    unraisable: list[object] = []
    hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        with pytest.raises(Stopped):
            ledger_xlsx(ledger, "id", stop)
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert unraisable == []
