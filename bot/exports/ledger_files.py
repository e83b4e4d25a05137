"""The JP ledger as files: CSV for any tool, XLSX for people who open it in Excel.

Both are built from :class:`bot.flows.ledger.Ledger` (already cut to what the reader may
see) with headers in the reader's language. The XLSX keeps what a civil servant's admin
needs intact: NIP as text (Excel would turn 18 digits into 1.99E+17), dates as real dates
(sortable, filterable), a frozen header row and columns wide enough to read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.flows.ledger import JP_TARGET, Ledger, PersonTotal, jp
from bot.i18n import person_name, plain
from storage.ledger import LedgerEntry, LedgerPerson

Cell = str | int | float | date | None
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
MAX_WIDTH = 60  # a long programme name should not push the next column off screen
SHEET_TITLE_MAX = 31  # Excel's limit
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _h(lang: str, key: str) -> str:
    return plain(lang, f"export.ledger.{key}")


def summary_header(lang: str, with_nip: bool) -> list[str]:
    keys = ["person", *(["nip"] if with_nip else []), "unit", "jp", "target", "remaining"]
    return [_h(lang, k) for k in keys]


def summary_row(total: PersonTotal, with_nip: bool, lang: str = "id") -> list[Cell]:
    p = total.person
    nip: list[Cell] = [p.nip or ""] if with_nip else []
    return [person_name(lang, p.name), *nip, p.unit or "", total.jp, JP_TARGET, total.remaining]


def rows_header(lang: str, with_nip: bool) -> list[str]:
    keys = ["person", *(["nip"] if with_nip else []), "programme", "date", "kind"]
    return [_h(lang, k) for k in [*keys, "minutes", "jp", "confirmed_by"]]


def entry_row(
    lang: str, ledger: Ledger, names: dict[int, LedgerPerson], entry: LedgerEntry
) -> list[Cell]:
    person = names[entry.person_id]
    nip: list[Cell] = [person.nip or ""] if ledger.with_nip else []
    kind = _h(lang, f"kind_{entry.kind}")
    return [
        person_name(lang, person.name), *nip, entry.programme, entry.on, kind, entry.minutes,
        jp(entry.minutes), person_name(lang, entry.confirmed_by or ""),
    ]  # fmt: skip


def ledger_csv(ledger: Ledger, lang: str) -> bytes:
    """Every row, one table (the programme is a column), UTF-8 with a BOM so Excel reads
    the accents right; dates ISO, JP with a dot (a CSV is for machines as much as people)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rows_header(lang, ledger.with_nip))
    names = ledger.names()
    for entry in ledger.entries:
        row = entry_row(lang, ledger, names, entry)
        writer.writerow([c.isoformat() if isinstance(c, date) else c for c in row])
    return out.getvalue().encode("utf-8-sig")


def ledger_xlsx(ledger: Ledger, lang: str) -> bytes:
    """A summary sheet, then one sheet per programme with its rows."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _h(lang, "summary_sheet")[:SHEET_TITLE_MAX]
    _fill(
        summary,
        summary_header(lang, ledger.with_nip),
        [summary_row(t, ledger.with_nip, lang) for t in ledger.totals],
        text_columns=_nip_column(ledger),
    )
    used = {summary.title}
    names = ledger.names()
    for programme_id, name in ledger.programmes():
        sheet = book.create_sheet(_sheet_title(name, used))
        rows = [
            entry_row(lang, ledger, names, e)
            for e in ledger.entries
            if e.programme_id == programme_id
        ]
        _fill(sheet, rows_header(lang, ledger.with_nip), rows, text_columns=_nip_column(ledger))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _nip_column(ledger: Ledger) -> set[int]:
    """The NIP is the second column when shown: typed as text so Excel keeps all 18 digits."""
    return {2} if ledger.with_nip else set()


def _sheet_title(name: str, used: set[str]) -> str:
    """A unique, legal sheet title (Excel forbids []:*?/\\ and more than 31 characters)."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name).strip() or "-"
    title, n = clean[:SHEET_TITLE_MAX], 1
    while title in used:
        n += 1
        suffix = f" ({n})"
        title = clean[: SHEET_TITLE_MAX - len(suffix)] + suffix
    used.add(title)
    return title


def _fill(
    sheet: Worksheet, header: list[str], rows: Sequence[Sequence[Cell]], text_columns: set[int]
) -> None:
    """Header in bold and frozen, values typed, NIP columns as text, widths to fit."""
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif cell.column in text_columns:
                cell.number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        values = [title, *(_shown(r[index - 1]) for r in rows)]
        width = min(MAX_WIDTH, max(len(v) for v in values) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _shown(value: Cell) -> str:
    if isinstance(value, date):
        return "2026-12-31"  # as wide as the date format shows
    return "" if value is None else str(value)
