"""The consultation record ("kartu konsultasi") as files: a PDF a person outside the chat
accepts as evidence, and a CSV with the same rows for any tool.

PDF: A4 portrait, DejaVu Sans (the TTF files matplotlib already ships, so no font is
committed here and Indonesian names with accents print right), a title, a header block
(programme, period, mentee, mentor, unit, NIP only in a coordinator's copy), one table
per section (sessions, reflections, milestones) whose rows wrap long text and whose
heading row is repeated on every page a table runs onto, room for the mentor's and the
mentee's signatures at the end, and on every page a footer with when it was generated (on
the reader's clock) and "Halaman X dari Y". Everything is plain text (no markup is
interpreted), and characters the font has no glyph for (emoji) are left out.

CSV: one row per event with a ``kind`` column (session, reflection, milestone), each row
naming the programme, mentee (NIP in a coordinator's copy) and mentor; dates ISO,
datetimes ``YYYY-MM-DD HH:MM`` on the reader's clock, JP with a dot. UTF-8 with a BOM so
Excel reads the accents right.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont

from bot.flows.ledger import jp
from bot.flows.record import MilestoneRow, Record, RecordPerson, ReflectionRow, SessionRow
from bot.i18n import number, person_name, plain
from bot.presenter.templates import milestone_plain

FONT = "DejaVu"
MARGIN = 15  # mm
SECTION_START = 32  # mm: a section title, its table's heading and a first row
SIGNATURE_BLOCK = 38  # mm the signatures need: moved to a new page whole if it does not fit
HEADING_FILL = (225, 232, 240)
PDF_MIME = "application/pdf"


def _fonts() -> tuple[Path, Path]:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _h(lang: str, key: str, **values: object) -> str:
    return plain(lang, f"export.record.{key}", **values)


def long_date(day: date, lang: str) -> str:
    """``4 Desember 2026`` / ``4 December 2026``."""
    months = _h(lang, "months").split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


def long_datetime(at: datetime, zone: str, lang: str) -> str:
    """``4 Desember 2026 pukul 15.20 WIB`` (already on the reader's clock)."""
    clock = _h(lang, "time", hour=f"{at.hour:02d}", minute=f"{at.minute:02d}")
    return _h(lang, "datetime", date=long_date(at.date(), lang), time=clock, zone=zone)


def _jp_text(minutes: int, lang: str) -> str:
    """Two decimals always (a column of figures lines up), in the reader's notation."""
    text = f"{jp(minutes):.2f}"
    return text.replace(".", ",") if number(0.5, lang) == "0,5" else text


# -- what each row says (shared by the PDF and the CSV) ---------------------------------


def session_state(row: SessionRow, lang: str) -> str:
    if row.state == "unconfirmed" or row.answered_at is None:
        return _h(lang, "session_unconfirmed")
    return _h(lang, f"session_{row.state}", date=long_date(row.answered_at.date(), lang))


def reflection_outcome(row: ReflectionRow, lang: str) -> str:
    return _h(lang, f"outcome_{row.outcome or 'waiting'}")


def milestone_state(row: MilestoneRow, lang: str) -> str:
    at = row.confirmed_at if row.state == "confirmed" else row.done_at
    if row.state == "open" or at is None:
        return _h(lang, "milestone_open")
    return _h(lang, f"milestone_{row.state}", date=long_date(at.date(), lang))


# -- PDF --------------------------------------------------------------------------------


class _Card(FPDF):
    """A4 with the generated-at line and "page X of Y" at the foot of every page."""

    def __init__(self, foot_left: str, page_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._foot_left = foot_left
        self._page_text = page_text  # with ``{page}``; ``{nb}`` is the page count
        regular, bold = _fonts()
        self.add_font(FONT, "", str(regular))
        self.add_font(FONT, "B", str(bold))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)
        font = self.fonts[FONT.lower()]
        self._glyphs = set(font.cmap) if isinstance(font, TTFFont) else set()

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(self.epw / 2, 5, self._foot_left, align="L")
        page = self._page_text.replace("{page}", str(self.page_no()))
        self.cell(self.epw / 2, 5, page, align="R")
        self.set_text_color(0, 0, 0)

    def clean(self, text: str) -> str:
        """Plain text the font can draw: control characters and glyphs it lacks (emoji)
        are left out, so nothing prints as an empty box or garbage."""
        kept = []
        for ch in text.replace("\r\n", "\n"):
            if ch == "\n" or (unicodedata.category(ch) != "Cc" and ord(ch) in self._glyphs):
                kept.append(ch)
            elif ch.isspace():
                kept.append(" ")
        return "".join(kept).strip()


def _section(pdf: _Card, title: str) -> None:
    """A section title, never alone at the foot of a page: it moves on with its table."""
    if pdf.get_y() + SECTION_START > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)


def _table(
    pdf: _Card,
    header: list[str],
    rows: list[list[str]],
    widths: tuple[int, ...],
    align: tuple[str, ...],
    empty: str,
) -> None:
    """A bordered table whose rows wrap and whose heading repeats on each page it runs
    onto; a note instead when it has no rows."""
    if not rows:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, empty, new_x="LMARGIN", new_y="NEXT")
        return
    style = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
    with pdf.table(
        col_widths=widths,
        text_align=align,
        headings_style=style,
        line_height=4.6,
        padding=1,
        repeat_headings=1,
        v_align="TOP",
    ) as table:
        heading = table.row()
        for text in header:
            heading.cell(text, align="LEFT")
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(pdf.clean(text))


def _header_block(pdf: _Card, record: Record, lang: str) -> None:
    pairs = [
        (_h(lang, "programme"), record.programme),
        (
            _h(lang, "period"),
            f"{long_date(record.starts_on, lang)} – {long_date(record.ends_on, lang)}",
        ),
        (_h(lang, "mentee"), record.mentee.name),
    ]
    if record.with_nip:
        pairs.append((_h(lang, "mentee_nip"), record.mentee.nip or "-"))
    pairs.append((_h(lang, "unit"), record.mentee.unit or "-"))
    pairs.append((_h(lang, "mentor"), record.mentor.name if record.mentor else "-"))
    if record.with_nip and record.mentor is not None:
        pairs.append((_h(lang, "mentor_nip"), record.mentor.nip or "-"))
    pairs.append((_h(lang, "generated"), long_datetime(record.generated_at, record.zone, lang)))
    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=(28, 72),
        text_align=("LEFT", "LEFT"),
        first_row_as_headings=False,
        borders_layout="NONE",
        line_height=5.5,
        padding=0.5,
    ) as table:
        for label, value in pairs:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(pdf.clean(value))


def _signatures(pdf: _Card, record: Record, lang: str) -> None:
    if pdf.get_y() + SIGNATURE_BLOCK > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    half = pdf.epw / 2
    top = pdf.get_y()
    people = [
        (_h(lang, "sign_mentor"), record.mentor.name if record.mentor else ""),
        (_h(lang, "sign_mentee"), record.mentee.name),
    ]
    for index, (role, name) in enumerate(people):
        x = pdf.l_margin + index * half
        pdf.set_xy(x, top)
        pdf.cell(half - 10, 5, role, align="C")
        line_y = top + 20
        pdf.line(x + 8, line_y, x + half - 18, line_y)
        pdf.set_xy(x, line_y + 1.5)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(half - 10, 5, pdf.clean(name) or " ", align="C")
        pdf.set_font(FONT, "", 10)
    pdf.set_y(top + 30)


def session_rows(record: Record, lang: str) -> list[list[str]]:
    return [
        [
            str(n),
            long_date(s.held_on, lang),
            s.topic,
            _h(lang, f"mode_{s.mode}") if s.mode in ("online", "offline") else s.mode,
            str(s.minutes),
            _jp_text(s.minutes, lang),
            session_state(s, lang),
        ]
        for n, s in enumerate(record.sessions, 1)
    ]


def reflection_rows(record: Record, lang: str) -> list[list[str]]:
    return [
        [
            str(n),
            long_date(r.week_start, lang),
            reflection_outcome(r, lang),
            long_date(r.reviewed_at.date(), lang) if r.reviewed_at else "-",
            r.reviewer or "-",
        ]
        for n, r in enumerate(record.reflections, 1)
    ]


def milestone_rows(record: Record, lang: str) -> list[list[str]]:
    return [
        [
            str(n),
            milestone_plain(m.title, lang),
            long_date(m.due_on, lang) if m.due_on else "-",
            milestone_state(m, lang),
        ]
        for n, m in enumerate(record.milestones, 1)
    ]


def _shown(record: Record, lang: str) -> Record:
    """Names as the reader sees them: an erased person reads as "deleted participant"."""

    def named(person: RecordPerson | None) -> RecordPerson | None:
        return None if person is None else replace(person, name=person_name(lang, person.name))

    def name(text: str | None) -> str | None:
        return None if text is None else person_name(lang, text)

    mentee = named(record.mentee)
    assert mentee is not None
    return replace(
        record,
        mentee=mentee,
        mentor=named(record.mentor),
        sessions=tuple(replace(s, answered_by=name(s.answered_by)) for s in record.sessions),
        reflections=tuple(replace(r, reviewer=name(r.reviewer)) for r in record.reflections),
    )


def record_pdf(record: Record, lang: str) -> bytes:
    """The record as an A4 PDF in the reader's language (see the module docstring)."""
    record = _shown(record, lang)
    generated = long_datetime(record.generated_at, record.zone, lang)
    pdf = _Card(
        _h(lang, "footer", when=generated, name=record.mentee.name),
        _h(lang, "page", page="{page}", pages="{nb}"),
    )
    pdf.set_title(_h(lang, "title"))
    pdf.set_author("Pembina")
    pdf.set_creation_date(record.generated_at)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, _h(lang, "title"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _header_block(pdf, record, lang)

    _section(pdf, _h(lang, "sessions"))
    _table(
        pdf,
        [_h(lang, k) for k in ("no", "date", "topic", "mode", "minutes_short", "jp", "state")],
        session_rows(record, lang),
        (7, 29, 46, 16, 11, 10, 31),
        ("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
        _h(lang, "sessions_none"),
    )
    if record.sessions:
        minutes = record.confirmed_minutes
        pdf.set_font(FONT, "", 9)
        pdf.ln(1)
        total = _h(lang, "sessions_total", minutes=minutes, jp=_jp_text(minutes, lang))
        pdf.multi_cell(0, 5, total, new_x="LMARGIN", new_y="NEXT")

    _section(pdf, _h(lang, "reflections"))
    _table(
        pdf,
        [_h(lang, k) for k in ("no", "week", "outcome", "reviewed_on", "reviewer")],
        reflection_rows(record, lang),
        (7, 30, 30, 30, 40),
        ("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"),
        _h(lang, "reflections_none"),
    )

    _section(pdf, _h(lang, "milestones"))
    _table(
        pdf,
        [_h(lang, k) for k in ("no", "milestone", "due", "state")],
        milestone_rows(record, lang),
        (7, 70, 28, 45),
        ("RIGHT", "LEFT", "LEFT", "LEFT"),
        _h(lang, "milestones_none"),
    )
    _signatures(pdf, record, lang)
    return bytes(pdf.output())


# -- CSV --------------------------------------------------------------------------------


def csv_header(record: Record, lang: str) -> list[str]:
    keys = ["programme", "mentee", *(["mentee_nip"] if record.with_nip else []), "mentor"]
    keys += ["kind", "date", "item", "mode", "minutes", "jp", "state", "state_at", "by"]
    return [_h(lang, k) for k in keys]


def _iso_minute(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def csv_rows(record: Record, lang: str) -> list[list[str]]:
    """One row per session, reflection and milestone, in that order."""
    nip = [record.mentee.nip or ""] if record.with_nip else []
    who = [record.programme, record.mentee.name, *nip, record.mentor.name if record.mentor else ""]
    rows = []
    for s in record.sessions:
        rows.append([
            *who, _h(lang, "kind_session"), s.held_on.isoformat(), s.topic,
            _h(lang, f"mode_{s.mode}") if s.mode in ("online", "offline") else s.mode,
            str(s.minutes), f"{jp(s.minutes):.2f}", _h(lang, f"state_{s.state}"),
            _iso_minute(s.answered_at), s.answered_by or "",
        ])  # fmt: skip
    for r in record.reflections:
        rows.append([
            *who, _h(lang, "kind_reflection"), r.week_start.isoformat(), "", "", "", "",
            reflection_outcome(r, lang), _iso_minute(r.reviewed_at), r.reviewer or "",
        ])  # fmt: skip
    for m in record.milestones:
        at = m.confirmed_at if m.state == "confirmed" else m.done_at
        rows.append([
            *who, _h(lang, "kind_milestone"), m.due_on.isoformat() if m.due_on else "",
            milestone_plain(m.title, lang), "", "", "", _h(lang, f"state_{m.state}"),
            _iso_minute(at), "",
        ])  # fmt: skip
    return rows


def record_csv(record: Record, lang: str) -> bytes:
    record = _shown(record, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_header(record, lang))
    writer.writerows(csv_rows(record, lang))
    return out.getvalue().encode("utf-8-sig")


@cache
def file_stem(name: str, programme: str, lang: str) -> str:
    """``kartu-konsultasi-budi-santoso-perubahan-2027``: ASCII, for any file system."""
    words = unicodedata.normalize("NFKD", f"{name} {programme}").encode("ascii", "ignore")
    slug = "-".join("".join(c if c.isalnum() else " " for c in words.decode()).lower().split())
    return _h(lang, "file_name", who=slug[:80] or "x")
