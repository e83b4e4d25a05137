"""Importing a validated roster: all rows in one transaction, idempotent, invites included."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows import audit
from bot.flows.bulk import bulk
from bot.flows.identity import Viewer
from bot.flows.roster import ParsedRoster, parse_roster_file
from bot.flows.services import Services
from storage import invites, people
from storage.models import Invite, Person, RosterEntry

INVITE_BYTES = 12  # 16 URL-safe characters: unguessable, and fits /start's 64-char limit.


def new_invite_code() -> str:
    return secrets.token_urlsafe(INVITE_BYTES)


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else ""


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    already_joined: int = 0
    invites: list[tuple[Person, Invite]] = field(default_factory=list)


@bulk
async def validate_roster(
    svc: Services, content: str | bytes, filename: str = "roster.csv"
) -> ParsedRoster:
    """Parse a roster file (bytes as uploaded or read from disk, or CSV text), letting
    references point at people already stored. The chat upload, the command line and the
    playground all come through here, so they accept the same formats."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    async with svc.db.read() as conn:
        known = [p.nip for p in await people.all_people(conn) if p.nip]
    return parse_roster_file(data, filename, known)


def _changes(entry: RosterEntry, person: Person) -> dict[str, object]:
    wanted: dict[str, object] = {"name": entry.name, "unit": entry.unit}
    if entry.timezone:
        wanted["timezone"] = entry.timezone
    if entry.language:
        wanted["language"] = entry.language
    if entry.capacity:
        wanted["mentor_capacity"] = entry.capacity
    return {k: v for k, v in wanted.items() if getattr(person, k) != v}


@bulk
async def import_roster(
    svc: Services, parsed: ParsedRoster, viewer: Viewer | None = None
) -> ImportReport:
    """Write every entry (or nothing, if the roster has errors); returns what changed.

    Audited with the people counted before and after; ``viewer`` None is the command line.
    """
    if parsed.errors:
        raise ValueError("refusing to import a roster with errors")
    now = svc.clock.now()
    created: set[str] = set()
    updated: set[str] = set()
    async with svc.db.write() as conn:
        counted = await people.count_all(conn)
        existing = await people.people_by_nips(conn, [e.nip for e in parsed.entries])
        for entry in parsed.entries:
            if await _write_entry(svc, conn, entry, existing.get(entry.nip)):
                (updated if entry.nip in existing else created).add(entry.nip)
        referenced = [n for e in parsed.entries for n in (e.supervisor_nip, e.mentor_nip) if n]
        stored = await people.people_by_nips(conn, [e.nip for e in parsed.entries] + referenced)
        for entry in parsed.entries:
            if await _link_references(conn, entry, stored, now) and entry.nip not in created:
                updated.add(entry.nip)
        report = ImportReport(
            created=len(created),
            updated=len(updated),
            unchanged=len(parsed.entries) - len(created) - len(updated),
        )
        for entry in parsed.entries:
            person = stored[entry.nip]
            if person.telegram_id is not None:
                report.already_joined += 1
            else:
                report.invites.append((person, await open_invite(svc, conn, person, now)))
        await audit.note(
            conn,
            viewer,
            audit.ROSTER_IMPORT,
            now,
            before={"people": counted},
            after={
                "people": counted + report.created,
                "created": report.created,
                "updated": report.updated,
            },
        )
    return report


async def _write_entry(
    svc: Services, conn: AsyncConnection, entry: RosterEntry, person: Person | None
) -> bool:
    """Insert or update one person; True if anything was written."""
    now = svc.clock.now()
    if person is None:
        await people.insert_person(
            conn,
            nip=entry.nip,
            name=entry.name,
            unit=entry.unit,
            timezone=entry.timezone or svc.default_timezone,
            language=entry.language or svc.default_language,
            roles=entry.roles,
            now=now,
        )
        if entry.capacity:
            created = await people.get_person_by_nip(conn, entry.nip)
            assert created is not None
            await people.update_person(conn, created.id, now, mentor_capacity=entry.capacity)
        return True
    changes = _changes(entry, person)
    if changes:
        await people.update_person(conn, person.id, now, **changes)
    if entry.roles != person.roles:
        await people.set_roles(conn, person.id, entry.roles)
    return bool(changes) or entry.roles != person.roles


async def _link_references(
    conn: AsyncConnection, entry: RosterEntry, stored: dict[str, Person], now: datetime
) -> bool:
    """Point supervisor_id / mentor_id at the NIPs the row names; True if they moved."""
    person = stored[entry.nip]
    supervisor = stored[entry.supervisor_nip].id if entry.supervisor_nip else None
    mentor = stored[entry.mentor_nip].id if entry.mentor_nip else None
    if (person.supervisor_id, person.mentor_id) == (supervisor, mentor):
        return False
    await people.update_person(conn, person.id, now, supervisor_id=supervisor, mentor_id=mentor)
    return True


async def open_invite(
    svc: Services, conn: AsyncConnection, person: Person, now: datetime
) -> Invite:
    """The person's open invite, or a new one: re-importing never multiplies codes."""
    invite = await invites.open_invite_for(conn, person.id, now)
    return invite or await fresh_invite(svc, conn, person.id, now)


async def fresh_invite(
    svc: Services, conn: AsyncConnection, person_id: int, now: datetime
) -> Invite:
    """A new single-use code for this person, valid for the configured time."""
    return await invites.create_invite(
        conn,
        code=new_invite_code(),
        person_id=person_id,
        now=now,
        expires_at=now + svc.invite_ttl,
    )


def invites_csv(report: ImportReport, bot_username: str) -> str:
    """``nip,name,role,code,link`` for everyone who still has to join."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["nip", "name", "role", "code", "link"])
    for person, invite in report.invites:
        writer.writerow(
            [
                person.nip,
                person.name,
                ";".join(sorted(person.roles)),
                invite.code,
                invite_link(bot_username, invite.code),
            ]
        )
    return out.getvalue()


MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a province's roster in .xlsx is well below this
ROSTER_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")


def looks_like_roster(filename: str) -> bool:
    """A spreadsheet or CSV by its name: what a coordinator's upload is taken to be."""
    return filename.lower().endswith(ROSTER_SUFFIXES)


@dataclass(slots=True)
class RosterUpload:
    """What a roster sent in chat came to: not allowed, rejected with errors, or imported."""

    allowed: bool
    parsed: ParsedRoster | None = None
    report: ImportReport | None = None


async def upload_roster(svc: Services, viewer: Viewer, data: bytes, filename: str) -> RosterUpload:
    """A coordinator's roster file from chat: validated and imported like the CLI's, all
    rows or none; anyone else changes nothing."""
    if not viewer.is_coordinator:
        return RosterUpload(allowed=False)
    parsed = await validate_roster(svc, data, filename)
    if parsed.errors:
        return RosterUpload(allowed=True, parsed=parsed)
    report = await import_roster(svc, parsed, viewer)
    return RosterUpload(allowed=True, parsed=parsed, report=report)
