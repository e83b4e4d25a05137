"""The JP ledger as files: CSV for any tool, XLSX for people who open it in Excel.

Both are built from :class:`bot.flows.ledger.Ledger` (already cut to what the reader may
see) with headers in the reader's language. The XLSX keeps what a civil servant's admin
needs intact: NIP as text (Excel would turn 18 digits into 1.99E+17), dates as real dates
(sortable, filterable), a frozen header row and columns wide enough to read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.exports.progress import EVERY, RowsDone, nothing
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


def ledger_csv(ledger: Ledger, lang: str, progress: RowsDone = nothing) -> bytes:
    """Every row, one table (the programme is a column), UTF-8 with a BOM so Excel reads
    the accents right; dates ISO, JP with a dot (a CSV is for machines as much as people).
    Encoded as it is written: a province's year is 26 MB, held once rather than as text
    and then again as bytes."""
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(rows_header(lang, ledger.with_nip))
    names = ledger.names()
    total = len(ledger.entries)
    for done, entry in enumerate(ledger.entries, start=1):
        row = entry_row(lang, ledger, names, entry)
        writer.writerow([c.isoformat() if isinstance(c, date) else c for c in row])
        if done % EVERY == 0:
            progress(done, total)
    text.flush()
    progress(total, total)
    return out.getvalue()


class _Counter:
    """Rows handled across the sheets of one workbook, reported every ``EVERY`` rows."""

    def __init__(self, total: int, progress: RowsDone) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def step(self) -> None:
        self.done += 1
        if self.done % EVERY == 0:
            self.progress(self.done, self.total)


def ledger_xlsx(ledger: Ledger, lang: str, progress: RowsDone = nothing) -> bytes:
    """A summary sheet, then one sheet per programme with its rows.

    The workbook is write-only: each row goes to a temporary file as it is appended, so
    memory stays flat for 10 000 people's year (a normal workbook keeps every cell as an
    object). Widths are measured in a first pass over the rows, because a write-only sheet
    takes its column settings before its first row.
    """
    book = Workbook(write_only=True)
    with closed_if_stopped(book):
        return _ledger_workbook(book, ledger, lang, progress)


@contextmanager
def closed_if_stopped(book: Workbook) -> Iterator[None]:
    """Close every sheet of a write-only workbook whose build ends early (a stopped export
    raises between rows): each sheet holds a generator inside an open XML element and a
    temporary file, and left to the garbage collector they fail noisily ("Exception
    ignored" in whatever runs next) and keep the file until then."""
    try:
        yield
    except BaseException:
        for sheet in book.worksheets:
            if isinstance(sheet, WriteOnlyWorksheet) and not sheet.closed:
                with suppress(Exception):  # the build's own error is the one to raise
                    sheet.close()
        raise


def _ledger_workbook(book: Workbook, ledger: Ledger, lang: str, progress: RowsDone) -> bytes:
    # every row is read twice (widths, then values): both passes count
    counter = _Counter(2 * (len(ledger.totals) + len(ledger.entries)), progress)
    text_columns = _nip_column(ledger)
    summary_title = _h(lang, "summary_sheet")[:SHEET_TITLE_MAX]

    def summary_rows() -> Iterator[list[Cell]]:
        return (summary_row(t, ledger.with_nip, lang) for t in ledger.totals)

    _fill(
        book.create_sheet(summary_title),
        summary_header(lang, ledger.with_nip),
        summary_rows,
        text_columns,
        counter,
    )
    used = {summary_title}
    names = ledger.names()
    by_programme: dict[int, list[LedgerEntry]] = {}
    for entry in ledger.entries:
        by_programme.setdefault(entry.programme_id, []).append(entry)
    for programme_id, name in ledger.programmes():
        entries = by_programme[programme_id]

        def rows(entries: list[LedgerEntry] = entries) -> Iterator[list[Cell]]:
            return (entry_row(lang, ledger, names, e) for e in entries)

        sheet = book.create_sheet(_sheet_title(name, used))
        _fill(sheet, rows_header(lang, ledger.with_nip), rows, text_columns, counter)
    out = io.BytesIO()
    book.save(out)
    progress(counter.total, counter.total)
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
    sheet: WriteOnlyWorksheet,
    header: list[str],
    rows: Callable[[], Iterable[Sequence[Cell]]],
    text_columns: set[int],
    counter: _Counter,
) -> None:
    """Header in bold and frozen, values typed, NIP columns as text, widths to fit.

    ``rows`` is called twice (widths first, then the values), so no sheet is ever held
    whole in memory. One styled cell per date or text column is filled row after row:
    openpyxl writes a write-only row out as soon as it is appended.
    """
    widths = [len(title) for title in header]
    for row in rows():
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(_shown(value)))
        counter.step()
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, title, font=bold) for title in header])
    text = {index: _styled(sheet, None, number_format=TEXT_FORMAT) for index in text_columns}
    dates: dict[int, WriteOnlyCell] = {}
    for row in rows():
        values: list[Cell | WriteOnlyCell] = list(row)
        for index, value in enumerate(row, start=1):
            if isinstance(value, date):
                cell = dates.get(index)
                if cell is None:
                    cell = dates[index] = _styled(sheet, None, number_format=DATE_FORMAT)
                cell.value = value
                values[index - 1] = cell
            elif index in text:
                text[index].value = value
                values[index - 1] = text[index]
        sheet.append(values)
        counter.step()


def _styled(
    sheet: WriteOnlyWorksheet, value: Cell, *, font: Font | None = None, number_format: str = ""
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format:
        cell.number_format = number_format
    return cell


def _shown(value: Cell) -> str:
    if isinstance(value, date):
        return "2026-12-31"  # as wide as the date format shows
    return "" if value is None else str(value)
