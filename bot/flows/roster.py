"""Loading the roster: validate every row first, then import all rows or none.

The file is what a BKPSDM officer has: an ``.xlsx`` or a CSV (``,`` or ``;``, any usual
encoding; see :mod:`bot.flows.roster_file`) with the columns
``nip,name,role,unit,supervisor_nip,mentor_nip,timezone,language,capacity``, headed in
English or Indonesian (``NIP, Nama, Peran, Unit Kerja, NIP Atasan, ...``). Validation is pure
(no database) except for references to people already stored, which the caller passes in.
A person may hold several roles, written ``mentor;supervisor`` in the role column; roles
may be English or Indonesian (``atasan``, ``koordinator``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot import timezones
from bot.flows import limits
from bot.flows.nip import clean_nip, nip_problem
from bot.flows.roster_file import FileProblem, Table, csv_table, read_table
from bot.flows.visible import visible_or_empty
from bot.i18n import LANGUAGES
from storage.models import RosterEntry
from storage.schema import ROLES

COLUMNS = (
    "nip",
    "name",
    "role",
    "unit",
    "supervisor_nip",
    "mentor_nip",
    "timezone",
    "language",
    "capacity",
)
MAX_CAPACITY = 20
REQUIRED_COLUMNS = ("nip", "name", "role")
MAX_NAME = 200
MAX_UNIT = 200

# Header cells, lower-cased with spaces, dots and dashes as "_", to the column they name.
HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    "nama": "name",
    "nama_lengkap": "name",
    "nama_pegawai": "name",
    "peran": "role",
    "roles": "role",
    "unit_kerja": "unit",
    "nip_atasan": "supervisor_nip",
    "atasan_nip": "supervisor_nip",
    "nip_mentor": "mentor_nip",
    "zona_waktu": "timezone",
    "time_zone": "timezone",
    "bahasa": "language",
    "kapasitas": "capacity",
}
ROLE_ALIASES: dict[str, str] = {
    **{r: r for r in ROLES},
    "peserta": "mentee",
    "atasan": "supervisor",
    "atasan_langsung": "supervisor",
    "koordinator": "coordinator",
    "pembimbing": "mentor",
    "pendamping": "mentor",
}
NIP_COLUMNS = ("nip", "supervisor_nip", "mentor_nip")
# What Excel makes of an 18-digit number in a column not formatted as Text: 1.99503E+17.
SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE][+]?\d+$")


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem on one line of the file (1 is the header line).

    ``key`` names a catalogue message ``roster.error.<key>``; ``values`` fill it in, so the
    operator reads the reason in their own language.
    """

    line: int
    key: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedRoster:
    entries: list[RosterEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _optional(value: str | None) -> str | None:
    return visible_or_empty(value or "") or None


Problem = tuple[str, dict[str, str]]


def _key(cell: str) -> str:
    """``Unit Kerja`` and ``unit-kerja`` alike become ``unit_kerja``."""
    return "_".join(re.split(r"[\s._-]+", cell.strip().lower())).strip("_")


def _parse_roles(raw: str) -> frozenset[str] | Problem:
    names = [_key(r) for r in re.split(r"[;,/+]", raw) if r.strip()]
    unknown = [n for n in names if n not in ROLE_ALIASES]
    if not names:
        return ("role_empty", {})
    if unknown:
        return ("role_unknown", {"role": unknown[0]})
    return frozenset(ROLE_ALIASES[n] for n in names)


def _mangled_nips(row: dict[str, str | None]) -> list[Problem]:
    """NIPs Excel turned into numbers: say how to fix the sheet, not "must be 18 digits"."""
    return [
        ("nip_scientific", {"column": column, "value": value})
        for column in NIP_COLUMNS
        if SCIENTIFIC.match(value := (row.get(column) or "").strip())
    ]


def _row_problems(
    row: dict[str, str | None], line: int
) -> tuple[RosterEntry | None, list[Problem]]:
    problems = _mangled_nips(row)
    if problems:
        return None, problems
    nip = clean_nip(row.get("nip") or "")
    if not nip:
        problems.append(("nip_empty", {}))
    elif (why := nip_problem(nip)) is not None:
        problems.append((f"nip_{why.value}", {"nip": nip}))
    name = " ".join(visible_or_empty(row.get("name") or "").split())
    if not name:
        problems.append(("name_empty", {}))
    elif len(name) > MAX_NAME:
        problems.append(("name_long", {"max": str(MAX_NAME)}))
    roles = _parse_roles(row.get("role") or "")
    if isinstance(roles, tuple):
        problems.append(roles)
    unit = _optional(row.get("unit"))
    if unit and len(unit) > MAX_UNIT:
        problems.append(("unit_long", {"max": str(MAX_UNIT)}))
    zone_raw = _optional(row.get("timezone"))
    zone = timezones.normalise(zone_raw) if zone_raw else None
    if zone_raw and zone is None:
        problems.append(("timezone_unknown", {"value": zone_raw}))
    language = _optional(row.get("language"))
    language = language.lower() if language else None
    if language and language not in LANGUAGES:
        problems.append(("language_unknown", {"value": language}))
    supervisor = _optional(row.get("supervisor_nip"))
    mentor = _optional(row.get("mentor_nip"))
    capacity_raw = _optional(row.get("capacity"))
    capacity = limits.small_number(capacity_raw or "")
    if capacity_raw and (capacity is None or not 1 <= capacity <= MAX_CAPACITY):
        problems.append(("capacity", {"value": capacity_raw, "max": str(MAX_CAPACITY)}))
    if problems or isinstance(roles, tuple):
        return None, problems
    entry = RosterEntry(
        line=line,
        nip=nip,
        name=name,
        roles=roles,
        unit=unit,
        supervisor_nip=clean_nip(supervisor) if supervisor else None,
        mentor_nip=clean_nip(mentor) if mentor else None,
        timezone=zone,
        language=language,
        capacity=capacity,
    )
    return entry, []


def parse_roster_file(data: bytes, filename: str, known_nips: Iterable[str] = ()) -> ParsedRoster:
    """Validate a roster file as uploaded (CSV of any usual kind, or .xlsx)."""
    table = read_table(data, filename)
    if isinstance(table, FileProblem):
        return ParsedRoster(errors=[RowError(1, table.key, table.values)])
    return parse_table(table, known_nips)


def parse_roster(text: str, known_nips: Iterable[str] = ()) -> ParsedRoster:
    """Validate roster CSV text; ``known_nips`` are people already stored."""
    return parse_table(csv_table(text), known_nips)


def _columns(header: list[str]) -> list[str | None]:
    """Each header cell's column name, or None for a column we do not read."""
    return [HEADER_ALIASES.get(_key(cell)) for cell in header]


TITLE_ROWS = 10  # how far down a sheet the header row is looked for


def _below_title(table: Table) -> Table:
    """Sheets often open with a title ("DAFTAR PESERTA LATSAR 2027") above the header:
    the header is the first of the top rows that names the required columns."""
    rows = [(0, table.header), *table.rows[:TITLE_ROWS]]
    for index, (_, cells) in enumerate(rows):
        columns = _columns(cells)
        if all(c in columns for c in REQUIRED_COLUMNS):
            return table if index == 0 else Table(cells, table.rows[index:])
    return table


def parse_table(table: Table, known_nips: Iterable[str] = ()) -> ParsedRoster:
    """Validate the rows of a roster whose header may be English or Indonesian."""
    result = ParsedRoster()
    if not table.header and not table.rows:
        result.errors.append(RowError(1, "no_rows"))
        return result
    table = _below_title(table)
    columns = _columns(table.header)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        result.errors.append(RowError(1, "header_missing", {"columns": ", ".join(missing)}))
        return result
    labels = {col: cell.strip() for col, cell in zip(columns, table.header, strict=False) if col}
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        if any(c.strip() for c in cells[len(columns) :]):
            result.errors.append(RowError(line, "too_many_fields"))
            continue
        row: dict[str, str | None] = {
            col: cell for col, cell in zip(columns, cells, strict=False) if col is not None
        }
        entry, problems = _row_problems(row, line)
        problems = [_as_written(problem, labels) for problem in problems]
        result.errors.extend(RowError(line, key, values) for key, values in problems)
        if entry is None:
            continue
        if entry.nip in seen:
            result.errors.append(
                RowError(line, "nip_duplicate", {"nip": entry.nip, "other": str(seen[entry.nip])})
            )
            continue
        seen[entry.nip] = line
        result.entries.append(entry)
    _check_references(result, set(seen) | set(known_nips))
    if not result.entries and not result.errors:
        result.errors.append(RowError(1, "no_rows"))
    return result


def _as_written(problem: Problem, labels: dict[str, str]) -> Problem:
    """Name the column as the file's header does (``NIP Atasan``), for the person to find it."""
    key, values = problem
    if "column" in values:
        values = {**values, "column": labels.get(values["column"]) or values["column"]}
    return key, values


# A problem that needs one explanation however many rows have it -> ``roster.hint.<value>``.
HINTS = {"nip_scientific": "nip_as_text"}


def hints(errors: Iterable[RowError]) -> list[str]:
    """Catalogue keys of the explanations these errors call for, each once, in order."""
    found = [HINTS[e.key] for e in errors if e.key in HINTS]
    return [f"roster.hint.{h}" for h in dict.fromkeys(found)]


def _check_references(result: ParsedRoster, nips: set[str]) -> None:
    for entry in result.entries:
        refs = (("supervisor_nip", entry.supervisor_nip), ("mentor_nip", entry.mentor_nip))
        for column, ref in refs:
            if ref is None:
                continue
            if ref == entry.nip:
                result.errors.append(RowError(entry.line, "ref_self", {"column": column}))
            elif ref not in nips:
                result.errors.append(
                    RowError(entry.line, "ref_unknown", {"column": column, "nip": ref})
                )
    result.errors.sort(key=lambda e: e.line)
