"""Reading a roster file as a coordinator's spreadsheet program saved it, into plain rows.

Coordinators keep the roster in Excel. Indonesian Excel saves "CSV" with ``;`` between
fields, often in Windows-1252 (or UTF-16 for "Unicode text"), and an ``.xlsx`` is what they
actually have. This module turns any of those into one shape, a header and numbered rows of
strings, so the chat upload and the command line share a single parser
(:func:`bot.flows.roster.parse_roster_file`). It never guesses silently: an unreadable file
is a :class:`FileProblem` naming a catalogue message.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

XLSX_SUFFIXES = (".xlsx", ".xlsm")
OLD_EXCEL_SUFFIXES = (".xls",)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
DELIMITERS = ",;\t"
BIG_NUMBER = 1e15  # Excel keeps 15 significant digits; a longer number has lost some


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why the file as a whole cannot be read; ``key`` names ``roster.error.<key>``."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Table:
    """The header cells and the data rows, each with its line (row) number in the file."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(data: bytes, filename: str) -> Table | FileProblem:
    """The rows of a CSV (any of the usual encodings and separators) or an .xlsx file."""
    name = filename.lower()
    if name.endswith(OLD_EXCEL_SUFFIXES) or data.startswith(OLE_MAGIC):
        return FileProblem("old_excel")
    if name.endswith(XLSX_SUFFIXES) or data.startswith(ZIP_MAGIC):
        return _xlsx_table(data)
    text = decode_text(data)
    if text is None:
        return FileProblem("not_text")
    return csv_table(text)


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; None for binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 none


def sniff_delimiter(text: str) -> str:
    """The separator of the header line (``,`` ``;`` or tab), found by :class:`csv.Sniffer`.

    Only the header is sniffed: it has no quoted values, whereas a data row's role column
    may hold ``mentor;supervisor`` and mislead a sniffer that looks at every line."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or nothing consistent: the most frequent candidate
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def csv_table(text: str) -> Table:
    """Split CSV text with its sniffed separator; blank lines are left out."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sniff_delimiter(text))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((reader.line_num, cells))
    return Table(header or [], rows)


def _xlsx_table(data: bytes) -> Table | FileProblem:
    """The first worksheet of an .xlsx, values as Excel shows them (not formulas)."""
    from openpyxl import load_workbook  # imported here: only a spreadsheet upload needs it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return FileProblem("xlsx_unreadable")
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
            else:
                rows.append((number, cells))
    finally:
        book.close()
    return Table(header or [], rows)


def cell_text(value: object) -> str:
    """A spreadsheet cell as text. A number too long for Excel is shown as Excel shows it
    (``1.99503E+17``), so the parser explains it instead of importing wrong digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if abs(value) >= BIG_NUMBER:
            return f"{value:.5E}".replace("E+0", "E+")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
