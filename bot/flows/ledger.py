"""The JP ledger (issue 10): each person's counted evidence for a year, as plain data.

Who sees whom is decided here and nowhere else, so the chat command and the command line
cannot drift apart: a coordinator sees every mentee, a supervisor the people they
supervise, a mentor their mentees (in the programmes they share), a mentee themself.
NIP digits leave only in a coordinator's ledger. Files are written by
``bot.exports.ledger_files``; this module knows nothing of Telegram or languages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import hours, weeks
from bot.flows.bulk import bulk
from bot.flows.hours import JP_TARGET
from bot.flows.identity import Viewer
from bot.flows.services import Services
from storage import ledger
from storage.ledger import LedgerEntry, LedgerPerson

LEDGER_DECIMALS = 2  # rows of JP that add up to the totals
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a year outside is a typo, not a request


@dataclass(frozen=True, slots=True)
class PersonTotal:
    """One person's line on the summary sheet."""

    person: LedgerPerson
    minutes: int

    @property
    def jp(self) -> float:
        return jp(self.minutes)

    @property
    def remaining(self) -> float:
        return max(0.0, round(JP_TARGET - self.jp, 2))


@dataclass(frozen=True, slots=True)
class Ledger:
    """What one viewer may export for one year."""

    year: int
    with_nip: bool
    totals: list[PersonTotal]
    entries: list[LedgerEntry]

    def names(self) -> dict[int, LedgerPerson]:
        return {t.person.id: t.person for t in self.totals}

    def programmes(self) -> list[tuple[int, str]]:
        """The programmes that have rows, by name (one sheet each)."""
        seen = {e.programme_id: e.programme for e in self.entries}
        return sorted(seen.items(), key=lambda item: (item[1], item[0]))


def jp(minutes: int) -> float:
    """Minutes as JP (1 JP = 45 minutes), to two decimals."""
    return hours.jp(minutes, LEDGER_DECIMALS)


def this_year(svc: Services, viewer: Viewer) -> int:
    """The viewer's current year in their own zone (the default when none is given)."""
    return weeks.local_date(svc.clock.now(), viewer.timezone).year


def valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows a viewer may export: person id -> programmes (None: all of them)."""

    coordinator: bool
    allowed: dict[int, set[int] | None]
    people: list[LedgerPerson]


async def scope_of(svc: Services, viewer: Viewer) -> Scope | None:
    """Whom this viewer's ledger covers; None when they may see nobody's. Cheap next to
    reading the rows, so the chat can refuse before it promises a file."""
    async with svc.db.read() as conn:
        if viewer.is_coordinator:
            people = await ledger.mentees_of_programmes(conn)
            allowed: dict[int, set[int] | None] = {p.id: None for p in people}
        else:
            allowed = await allowed_people(conn, viewer)
            if not allowed:
                return None
            people = await ledger.people_by_ids(conn, allowed)
    return Scope(viewer.is_coordinator, allowed, people)


@bulk
async def ledger_in(svc: Services, scope: Scope, year: int) -> Ledger:
    """The rows of ``scope`` in ``year``, with each person's total."""
    async with svc.db.read() as conn:
        rows = await ledger.entries(conn, scope.allowed, year)
    # half a million rows at a province's scale: filtered and totalled beside the event loop
    return await asyncio.to_thread(_assemble, year, scope, rows)


async def ledger_for(svc: Services, viewer: Viewer, year: int) -> Ledger | None:
    """The viewer's ledger for ``year``; None when they may see nobody's."""
    scope = await scope_of(svc, viewer)
    return None if scope is None else await ledger_in(svc, scope, year)


async def coordinator_ledger(svc: Services, year: int) -> Ledger:
    """Everyone's ledger, for the operator's ``pembina export ledger``."""
    operator = Viewer(0, None, True, svc.default_language, svc.default_timezone)
    found = await ledger_for(svc, operator, year)
    assert found is not None  # a coordinator is never refused
    return found


async def allowed_people(conn: AsyncConnection, viewer: Viewer) -> dict[int, set[int] | None]:
    """Person id -> the programmes whose rows the viewer may see of them (None: all): a
    mentor their mentees' shared programmes, a supervisor their people, a mentee
    themself. The one rule for every per-person export (ledger, consultation record)."""
    person = viewer.person
    if person is None:
        return {}
    allowed: dict[int, set[int] | None] = {}
    if "mentor" in person.roles:
        for mentee_id, programmes in (await ledger.mentee_programmes(conn, person.id)).items():
            allowed[mentee_id] = programmes
    if "supervisor" in person.roles:
        for p in await ledger.supervised_by(conn, person.id):
            allowed[p.id] = None
    if "mentee" in person.roles:
        allowed[person.id] = None
    return allowed


def _shown(allowed: dict[int, set[int] | None], entry: LedgerEntry) -> bool:
    programmes = allowed.get(entry.person_id)
    return entry.person_id in allowed and (programmes is None or entry.programme_id in programmes)


def _assemble(year: int, scope: Scope, found: list[LedgerEntry]) -> Ledger:
    rows = [e for e in found if _shown(scope.allowed, e)]
    with_nip, people = scope.coordinator, scope.people
    minutes: dict[int, int] = {}
    for entry in rows:
        minutes[entry.person_id] = minutes.get(entry.person_id, 0) + entry.minutes
    shown = people if with_nip else [replace(p, nip=None) for p in people]
    totals = [PersonTotal(p, minutes.get(p.id, 0)) for p in shown]
    return Ledger(year, with_nip, totals, rows)
