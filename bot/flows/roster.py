"""Loading the roster from CSV: validate every row first, then import all rows or none.

The CSV is what a BKPSDM officer exports from their spreadsheet:
``nip,name,role,unit,supervisor_nip,mentor_nip,timezone,language``. Validation is pure (no
database) except for references to people already stored, which the caller passes in.
A person may hold several roles, written ``mentor;supervisor`` in the role column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot import timezones
from bot.flows import limits
from bot.flows.nip import clean_nip, nip_problem
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


def _parse_roles(raw: str) -> frozenset[str] | Problem:
    roles = frozenset(r.strip().lower() for r in raw.replace(",", ";").split(";") if r.strip())
    unknown = sorted(roles - set(ROLES))
    if not roles:
        return ("role_empty", {})
    if unknown:
        return ("role_unknown", {"role": unknown[0]})
    return roles


def _row_problems(
    row: dict[str, str | None], line: int
) -> tuple[RosterEntry | None, list[Problem]]:
    problems: list[Problem] = []
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


def parse_roster(text: str, known_nips: Iterable[str] = ()) -> ParsedRoster:
    """Validate a whole roster file; ``known_nips`` are people already stored."""
    result = ParsedRoster()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        result.errors.append(RowError(1, "header_missing", {"columns": ", ".join(missing)}))
        return result
    reader.fieldnames = header
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue
        if None in row:
            result.errors.append(RowError(line, "too_many_fields"))
            continue
        entry, problems = _row_problems(row, line)
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
