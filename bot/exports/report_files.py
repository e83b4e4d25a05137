"""The programme report as an XLSX workbook, headers in the reader's language.

Built from :class:`bot.flows.report.ProgrammeReport` (already cut to what the reader may
see: no NIP and no ratings unless a coordinator reads it). One function per sheet, listed
in :data:`SHEETS`: adding a sheet is writing one function and naming it there. As in the
JP ledger, NIPs are text, dates real dates, rates real numbers shown as percentages,
header rows frozen and columns wide enough to read. The digest's weekly chart (drawn by
``bot.chart``, as the supervisor's digest does) sits on the summary sheet.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot import chart, timezones
from bot.exports.ledger_files import (
    DATE_FORMAT,
    MAX_WIDTH,
    SHEET_TITLE_MAX,
    TEXT_FORMAT,
    closed_if_stopped,
)
from bot.exports.progress import RowsDone, nothing
from bot.flows.report import PersonLine, ProgrammeReport, SessionTally
from bot.i18n import person_name, plain
from bot.presenter.audit import action_text, actor_text, facts_text

Cell = str | int | float | date | None
PERCENT_FORMAT = "0%"
HOURS_FORMAT = "0.0"
JP_FORMAT = "0.00"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
CHART_ANCHOR = "D2"  # right of the summary's two columns
SheetWriter = Callable[[Workbook, ProgrammeReport, str], None]
Sheet: TypeAlias = WriteOnlyWorksheet


def _h(lang: str, key: str, **values: object) -> str:
    return plain(lang, f"export.report.{key}", **values)


def report_xlsx(data: ProgrammeReport, lang: str, progress: RowsDone = nothing) -> bytes:
    """The workbook's bytes: every sheet of :data:`SHEETS`, in order. Streamed
    (openpyxl's write-only mode): ten thousand people's rows are written in about half
    the time, and each row leaves memory once written."""
    book = Workbook(write_only=True)
    with closed_if_stopped(book):
        for done, write in enumerate(SHEETS, start=1):
            write(book, data, lang)
            progress(done, len(SHEETS))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Shown:
    """A value with its own number format (a summary's column mixes counts and rates)."""

    value: Cell
    number_format: str


def _sheet(book: Workbook, lang: str, key: str) -> Sheet:
    return book.create_sheet(_h(lang, f"sheet_{key}")[:SHEET_TITLE_MAX])


def summary(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """Label and value, one figure a row, and the weekly chart beside them."""
    sheet = _sheet(book, lang, "summary")
    p, t, s = data.participation, data.turnaround, data.sessions
    rows: list[tuple[str, Cell, str | None]] = [
        ("programme", data.programme.name, None),
        ("starts_on", data.programme.starts_on, None),
        ("ends_on", data.programme.ends_on, None),
        ("made_on", data.made_on, None),
        ("scope", _h(lang, f"scope_{data.scope}"), None),
        ("mentees", p.mentees, None),
        ("mentees_joined", p.mentees_joined, None),
        ("mentors", p.mentors, None),
        ("mentors_joined", p.mentors_joined, None),
        ("paired", p.paired, None),
        ("active", p.active, None),
        ("weeks_expected", data.expected, None),
        ("weeks_submitted", data.submitted, None),
        ("submission_rate", _rate(data.submitted, data.expected), PERCENT_FORMAT),
        ("reviewed", t.reviewed, None),
        ("median_hours", t.median_hours, HOURS_FORMAT),
        ("mean_hours", t.mean_hours, HOURS_FORMAT),
        ("waiting", t.waiting, None),
        ("overdue", t.overdue, None),
        ("reviewed_late", t.reviewed_late, None),
        ("sessions_logged", s.logged, None),
        ("sessions_confirmed", s.confirmed, None),
        ("sessions_disputed", s.disputed, None),
        ("sessions_unanswered", s.unanswered, None),
        ("session_hours", round(s.minutes / 60, 2), HOURS_FORMAT),
    ]
    if data.with_ratings:
        rows += [("rating_average", data.rating_average, "0.00"), ("rated", data.rated, None)]
    rows.append(("at_risk", len(data.at_risk), None))
    png = weekly_chart(data, lang)
    if png is not None:  # anchored before the rows stream out
        sheet.add_image(Image(io.BytesIO(png)), CHART_ANCHOR)
    table: list[list[Cell | Shown]] = [
        [_h(lang, key), value if fmt is None else Shown(value, fmt)] for key, value, fmt in rows
    ]
    _fill(sheet, lang, [_h(lang, "figure"), _h(lang, "value")], table, min_width=14)


def weekly_chart(data: ProgrammeReport, lang: str) -> bytes | None:
    """The digest's chart of the weekly submission rate of everyone shown; None while no
    week has counted yet."""
    if not data.weekly:
        return None
    points = [chart.WeekRate(w.week, w.submitted, w.expected) for w in data.weekly]
    labels = chart.ChartLabels(
        plain(lang, "digest.chart.title", unit=data.programme.name),
        plain(lang, "digest.chart.y_axis"),
        plain(lang, "digest.chart.x_axis"),
    )
    return chart.submission_rate_png(points, labels)


def weekly_rates(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """Units down, weeks across (real dates), each cell the share who reflected; the first
    row is everyone shown. An empty cell: nobody owed that week."""
    sheet = _sheet(book, lang, "weekly_rates")
    weeks = sorted({w.week for w in data.weekly})
    everyone = _h(lang, "everyone")
    table: dict[str, dict[date, float | None]] = {everyone: {}}
    for w in data.weekly:
        table[everyone][w.week] = w.rate
    for w in data.units:
        table.setdefault(w.unit or "-", {})[w.week] = w.rate
    header: list[Cell] = [_h(lang, "unit"), *weeks]
    rows = [[unit, *(rates.get(week) for week in weeks)] for unit, rates in table.items()]
    formats = dict.fromkeys(range(2, len(header) + 1), PERCENT_FORMAT)
    _fill(sheet, lang, header, rows, formats=formats, freeze="B2")


def weekly_counts(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """The same weeks as a list (unit, week, expected, submitted, rate): filterable."""
    sheet = _sheet(book, lang, "weekly_counts")
    header = [_h(lang, k) for k in ("unit", "week", "expected", "submitted", "rate")]
    everyone = _h(lang, "everyone")
    rows = [
        [everyone if w.unit is None else w.unit, w.week, w.expected, w.submitted, w.rate]
        for w in [*data.weekly, *data.units]
    ]  # fmt: skip
    _fill(sheet, lang, header, rows, formats={5: PERCENT_FORMAT})


def at_risk(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """The people the digest flags, and why."""
    sheet = _sheet(book, lang, "at_risk")
    header = [_h(lang, k) for k in ("name", "unit", "mentor", "reasons", "missed", "waiting_days")]
    rows: list[list[Cell]] = [
        [p.name, p.unit or "", p.mentor or "", _reasons(p, lang), p.missed_in_a_row,
         p.waiting_days]
        for p in data.at_risk
    ]  # fmt: skip
    _fill(sheet, lang, header, rows)


def people(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """One row per mentee shown (NIP only in a coordinator's report, as text)."""
    sheet = _sheet(book, lang, "people")
    keys = ["name", *(["nip"] if data.with_nip else []), "unit", "mentor", "joined"]
    keys += ["expected", "submitted", "rate", "approved", "sessions_confirmed"]
    keys += ["sessions_disputed", "jp", "last_session", "reasons"]
    rate = keys.index("rate") + 1
    rows = [_person_row(p, data.with_nip, lang) for p in data.people]
    formats = {rate: PERCENT_FORMAT, keys.index("jp") + 1: JP_FORMAT}
    if data.with_nip:
        formats[2] = TEXT_FORMAT
    _fill(sheet, lang, [_h(lang, k) for k in keys], rows, formats=formats)


def _person_row(p: PersonLine, with_nip: bool, lang: str) -> list[Cell]:
    nip: list[Cell] = [p.nip or ""] if with_nip else []
    return [
        p.name, *nip, p.unit or "", p.mentor or "", _h(lang, "yes" if p.joined else "no"),
        p.expected, p.submitted, _rate(p.submitted, p.expected), p.approved,
        p.sessions.confirmed, p.sessions.disputed, p.jp, p.last_session, _reasons(p, lang),
    ]  # fmt: skip


def sessions(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """Sessions per mentor, counted; averages of ratings for coordinators (never a note)."""
    sheet = _sheet(book, lang, "sessions")
    keys = ["mentor", "mentees", "sessions_logged", "sessions_confirmed", "sessions_disputed"]
    keys += ["sessions_unanswered", "session_hours"]
    keys += ["rating_average", "rated"] if data.with_ratings else []
    rows: list[list[Cell]] = [
        [m.name, m.mentees, *_session_cells(m.sessions), *_ratings(data, m.average, m.rated)]
        for m in data.mentors
    ]
    total: list[Cell] = [_h(lang, "total"), data.session_mentees]
    total += _session_cells(data.sessions)
    total += _ratings(data, data.rating_average, data.rated)
    formats = {7: HOURS_FORMAT, 8: "0.00"}
    _fill(
        sheet, lang, [_h(lang, k) for k in keys], [*rows, total], formats=formats, bold_last=True
    )


def _ratings(data: ProgrammeReport, average: float | None, rated: int) -> list[Cell]:
    return [average, rated] if data.with_ratings else []


def _session_cells(s: SessionTally) -> list[Cell]:
    return [s.logged, s.confirmed, s.disputed, s.unanswered, round(s.minutes / 60, 2)]


def audit_trail(book: Workbook, data: ProgrammeReport, lang: str) -> None:
    """What coordinators changed in the programme, newest first: in a coordinator's
    report only (the facts name people and may hold NIPs)."""
    if not data.with_nip:
        return
    sheet = _sheet(book, lang, "audit")
    keys = ("audit_when", "audit_who", "audit_what", "audit_about", "audit_before", "audit_after")
    rows: list[list[Cell | Shown]] = [
        [
            Shown(timezones.local(e.at, data.zone).replace(tzinfo=None), DATETIME_FORMAT),
            actor_text(lang, e),
            action_text(lang, e),
            e.subject_name or "",
            facts_text(lang, e.before),
            facts_text(lang, e.after),
        ]
        for e in data.audit
    ]
    _fill(sheet, lang, [_h(lang, k) for k in keys], rows, min_width=len("2026-12-31 23:59"))


# One writer per sheet, in the workbook's order.
SHEETS: tuple[SheetWriter, ...] = (
    summary,
    weekly_rates,
    weekly_counts,
    at_risk,
    people,
    sessions,
    audit_trail,
)


def _reasons(p: PersonLine, lang: str) -> str:
    return "; ".join(plain(lang, f"digest.flag.{flag}") for flag in p.flags)


def _rate(done: int, due: int) -> float | None:
    return done / due if due else None


def _fill(
    sheet: Sheet,
    lang: str,
    header: Sequence[Cell],
    rows: Sequence[Sequence[Cell | Shown]],
    *,
    formats: dict[int, str] | None = None,
    freeze: str = "A2",
    min_width: int = 0,
    bold_last: bool = False,
) -> None:
    """Header in bold and frozen, values typed (dates as dates, ``formats`` by column
    number, a :class:`Shown` value its own), widths to fit, an erased person's name as
    "deleted participant". Widths and panes are set before the first row: a streamed
    sheet cannot go back."""
    rows = [[_named(lang, value) for value in row] for row in rows]
    sheet.freeze_panes = freeze
    for index, title in enumerate(header, start=1):
        values = [_width(title), *(_width(r[index - 1]) for r in rows)]
        width = min(MAX_WIDTH, max(min_width, max(values) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    sheet.append([_cell(sheet, value, None, bold) for value in header])
    wanted = formats or {}
    last = len(rows) - 1
    for number, row in enumerate(rows):
        font = bold if bold_last and number == last else None
        sheet.append(
            [_cell(sheet, value, wanted.get(i), font) for i, value in enumerate(row, start=1)]
        )


def _named(lang: str, value: Cell | Shown) -> Cell | Shown:
    return person_name(lang, value) if isinstance(value, str) else value


def _cell(sheet: Sheet, value: Cell | Shown, fmt: str | None, font: Font | None) -> object:
    """A plain value where nothing is to be styled (the cheap path for most cells)."""
    plain_value = value.value if isinstance(value, Shown) else value
    if isinstance(value, Shown):
        fmt = value.number_format
    if isinstance(plain_value, date) and fmt is None:
        fmt = DATE_FORMAT
    if fmt is None and font is None:
        return plain_value
    cell = WriteOnlyCell(sheet, value=plain_value)
    if fmt is not None:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    return cell


def _width(value: Cell | Shown) -> int:
    if isinstance(value, Shown):
        value = value.value
    if isinstance(value, date):
        return len("2026-12-31")  # as wide as the date format shows
    if isinstance(value, float):
        return len(f"{value:.2f}")
    return 0 if value is None else len(str(value))
