"""Creating and listing programmes (from the command line or in chat)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.flows import audit, limits, weeks
from bot.flows.bulk import bulk
from bot.flows.identity import Viewer
from bot.flows.matching import UnitRule
from bot.flows.nip import clean_nip
from bot.flows.services import Services
from bot.flows.templates import HOURS, TEMPLATES
from bot.flows.visible import visible_or_empty
from storage import pairings, people, programmes, reflections
from storage.models import Milestone, Person, Programme

MAX_DAYS = limits.MAX_PROGRAMME_DAYS


@dataclass(frozen=True, slots=True)
class NewProgramme:
    name: str
    kind: str
    starts_on: date
    ends_on: date
    reflection_weekday: int
    member_nips: tuple[str, ...]
    unit_rule: UnitRule = UnitRule.ANY


@dataclass(slots=True)
class Created:
    programme: Programme | None = None
    problems: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    mentees: int = 0
    mentors: int = 0


def membership_roles(person: Person, kind: str) -> list[str]:
    """How a roster person takes part: mentees learn; mentors (and, for ``latsar``, the
    supervisors who mentor their own new CPNS) guide."""
    roles = []
    if "mentee" in person.roles:
        roles.append("mentee")
    if "mentor" in person.roles or (kind == "latsar" and "supervisor" in person.roles):
        roles.append("mentor")
    return roles


@bulk
async def create(svc: Services, spec: NewProgramme, viewer: Viewer | None = None) -> Created:
    """Validate and create a programme with its template's questions and milestones.

    Audited as done by ``viewer`` (None: the command line)."""
    result = Created()
    name = " ".join(visible_or_empty(spec.name).split())
    if not 3 <= len(name) <= 100:
        result.problems.append(("name_length", {}))
    if spec.kind not in TEMPLATES:
        result.problems.append(("kind_unknown", {"kind": spec.kind}))
    if not (limits.plausible_year(spec.starts_on) and limits.plausible_year(spec.ends_on)):
        years = {"first_year": str(limits.FIRST_YEAR), "last_year": str(limits.LAST_YEAR)}
        result.problems.append(("dates_years", years))
    elif spec.ends_on < spec.starts_on:
        result.problems.append(("dates_order", {}))
    elif (spec.ends_on - spec.starts_on).days > MAX_DAYS:
        result.problems.append(("dates_long", {}))
    if not 0 <= spec.reflection_weekday <= 4:
        result.problems.append(("weekday", {}))
    nips = [clean_nip(n) for n in spec.member_nips if n.strip()]
    async with svc.db.write() as conn:
        if await programmes.get_programme_by_name(conn, name):
            result.problems.append(("name_taken", {"name": name}))
        found = await people.people_by_nips(conn, nips)
        for nip in nips:
            if nip not in found:
                result.problems.append(("member_unknown", {"nip": nip}))
        if result.problems:
            return result
        template = TEMPLATES[spec.kind]
        programme_id = await programmes.create_programme(
            conn,
            name=name,
            kind=spec.kind,
            starts_on=spec.starts_on,
            ends_on=spec.ends_on,
            reflection_weekday=spec.reflection_weekday,
            questions=[dict(q) for q in template.questions],
            unit_rule=spec.unit_rule.value,
            now=svc.clock.now(),
        )
        await programmes.replace_milestones(
            conn,
            programme_id,
            [
                (f"@{key}", spec.ends_on if days is None else spec.starts_on + timedelta(days))
                for key, days in template.milestones
            ],
        )
        for nip in nips:
            for role in membership_roles(found[nip], spec.kind):
                await programmes.add_member(conn, programme_id, found[nip].id, role)
                if role == "mentee":
                    result.mentees += 1
                else:
                    result.mentors += 1
        result.programme = await programmes.get_programme(conn, programme_id)
        await audit.note(
            conn,
            viewer,
            audit.PROGRAMME_CREATED,
            svc.clock.now(),
            programme_id=programme_id,
            after={
                "name": name,
                "kind": spec.kind,
                "dates": f"{spec.starts_on.isoformat()} – {spec.ends_on.isoformat()}",
                "mentees": result.mentees,
                "mentors": result.mentors,
            },
        )
    return result


async def all_programmes(svc: Services) -> list[Programme]:
    async with svc.db.read() as conn:
        return await programmes.list_programmes(conn)


async def by_name(svc: Services, name: str) -> Programme | None:
    """The programme with this name, as typed: spacing and letter case do not matter
    (``/match latsar 2027``), unless two programmes differ only in case and neither is exact."""
    wanted = " ".join(name.split())
    async with svc.db.read() as conn:
        exact = await programmes.get_programme_by_name(conn, wanted)
        if exact is not None:
            return exact
        folded = [
            p
            for p in await programmes.list_programmes(conn)
            if " ".join(p.name.split()).casefold() == wanted.casefold()
        ]
    return folded[0] if len(folded) == 1 else None


@dataclass(frozen=True, slots=True)
class Summary:
    programme: Programme
    mentees: int
    mentors: int
    paired: int  # mentees with an active pairing


@bulk
async def summaries(svc: Services) -> list[Summary]:
    async with svc.db.read() as conn:
        found = []
        for programme in await programmes.list_programmes(conn):
            active = {
                p.mentee_id
                for p in await pairings.of_programme(conn, programme.id)
                if p.status == pairings.ACTIVE
            }
            found.append(
                Summary(
                    programme,
                    len(await programmes.members(conn, programme.id, "mentee")),
                    len(await programmes.members(conn, programme.id, "mentor")),
                    len(active),
                )
            )
    return found


async def by_id(svc: Services, programme_id: int) -> Programme | None:
    async with svc.db.read() as conn:
        return await programmes.get_programme(conn, programme_id)


class Edited(StrEnum):
    DONE = "done"
    HAS_REFLECTIONS = "has_reflections"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_MILESTONE = "bad_milestone"


async def set_questions(
    svc: Services, programme: Programme, lines: list[str], viewer: Viewer | None = None
) -> Edited:
    """Replace the reflection questions with the coordinator's own (hours stays last, as
    JP is counted from it). Refused once reflections exist, so answers keep their meaning.
    Audited with the questions before and after (``viewer`` None: the command line)."""
    texts = [" ".join(line.split()) for line in map(visible_or_empty, lines) if line]
    if not texts:
        return Edited.EMPTY
    if any(len(text) > 300 for text in texts) or len(texts) > 10:
        return Edited.TOO_LONG
    hours = next(q for q in TEMPLATES[programme.kind].questions if q.get("kind") == HOURS)
    async with svc.db.write() as conn:
        if await reflections.count_for_programme(conn, programme.id):
            return Edited.HAS_REFLECTIONS
        stored = await programmes.get_programme(conn, programme.id)
        new = [{"text": text, "kind": "text"} for text in texts] + [dict(hours)]
        await programmes.set_questions(conn, programme.id, new)
        await audit.note(
            conn,
            viewer,
            audit.QUESTIONS,
            svc.clock.now(),
            programme_id=programme.id,
            before={"questions": stored.questions if stored else []},
            after={"questions": new},
        )
    return Edited.DONE


async def set_milestones(
    svc: Services, programme: Programme, lines: list[str], viewer: Viewer | None = None
) -> Edited:
    """Replace the milestones: one per line, ``YYYY-MM-DD title`` (or a title alone).
    Audited with the milestones before and after (``viewer`` None: the command line)."""
    items: list[tuple[str, date | None]] = []
    for line in (line.strip() for line in lines):
        if not line:
            continue
        first, _, rest = line.partition(" ")
        due = weeks.parse_date(first)
        title = " ".join(visible_or_empty(rest if due else line).split())
        if not title or len(title) > 300:
            return Edited.BAD_MILESTONE
        items.append((title, due))
    async with svc.db.write() as conn:
        old = await programmes.milestones_of(conn, programme.id)
        await programmes.replace_milestones(conn, programme.id, items)
        await audit.note(
            conn,
            viewer,
            audit.MILESTONES,
            svc.clock.now(),
            programme_id=programme.id,
            before={"milestones": [milestone_fact(m.title, m.due_on) for m in old]},
            after={"milestones": [milestone_fact(title, due) for title, due in items]},
        )
    return Edited.DONE


def milestone_fact(title: str, due: date | None) -> dict[str, str | None]:
    """A milestone as the audit keeps it (a title starting with ``@`` is a catalogue key)."""
    return {"title": title, "due": due.isoformat() if due else None}


async def milestones(svc: Services, programme: Programme) -> list[Milestone]:
    async with svc.db.read() as conn:
        return await programmes.milestones_of(conn, programme.id)
