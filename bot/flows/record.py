"""The mentoring consultation record ("kartu konsultasi"): one mentee in one programme,
as evidence a person outside the chat accepts (issue 10).

Who may read whose record is decided here, like the JP ledger's (``bot.flows.ledger``): a
mentee their own, a mentor their mentees (in the programmes they share), a supervisor
the people they supervise, a coordinator anyone. NIP digits leave only in a coordinator's
copy. Times are turned into the reader's wall clock here; the files are written by
``bot.exports.record_files`` and the words chosen there, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import timezones
from bot.flows import nip as nips
from bot.flows.identity import Viewer
from bot.flows.ledger import allowed_people
from bot.flows.services import Services
from storage import milestone_marks, pairings, people, programmes, reflections
from storage import record as facts
from storage.models import Person, Programme

MAX_CHOICES = 40  # buttons offered at once; beyond, the reader names a NIP


@dataclass(frozen=True, slots=True)
class RecordPerson:
    name: str
    nip: str | None  # only in a coordinator's copy
    unit: str | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    held_on: date
    topic: str
    mode: str  # online / offline
    minutes: int
    state: str  # confirmed / disputed / unconfirmed
    answered_at: datetime | None  # when confirmed or disputed, on the reader's clock
    answered_by: str | None  # who confirmed or disputed it: the one who did not log it


@dataclass(frozen=True, slots=True)
class ReflectionRow:
    week_start: date
    status: str  # submitted / revision / approved
    outcome: str | None  # the latest review: approve / revision / comment (None: waiting)
    reviewed_at: datetime | None  # on the reader's clock
    reviewer: str | None


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    title: str  # ``@catalogue.key`` for a template's
    due_on: date | None
    state: str  # open / done / confirmed
    done_at: datetime | None
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Record:
    programme: str
    starts_on: date
    ends_on: date
    mentee: RecordPerson
    mentor: RecordPerson | None
    sessions: tuple[SessionRow, ...]
    reflections: tuple[ReflectionRow, ...]
    milestones: tuple[MilestoneRow, ...]
    generated_at: datetime  # on the reader's clock
    zone: str  # the reader's zone label (WIB, WITA, WIT)
    with_nip: bool

    @property
    def confirmed_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions if s.state == "confirmed")


@dataclass(frozen=True, slots=True)
class Choice:
    """A record the reader may ask for: a mentee in a programme."""

    person_id: int
    name: str
    programme_id: int
    programme: str


class Refused(StrEnum):
    NOBODY = "nobody"  # the reader may see no one's record
    NOT_FOUND = "not_found"  # no such NIP, or not in a programme as mentee
    NOT_YOURS = "not_yours"  # someone the reader may not see
    BAD_NIP = "bad_nip"
    NO_PROGRAMME = "no_programme"  # --programme names none of theirs


async def _scope(conn: AsyncConnection, viewer: Viewer) -> dict[int, set[int] | None]:
    """Person id -> the programmes whose record the viewer may read (None: any): the JP
    ledger's rule, so the two files of one person never disagree on who may have them."""
    return await allowed_people(conn, viewer)


async def _choices_of(
    conn: AsyncConnection, person: Person, programme_ids: set[int] | None
) -> list[Choice]:
    taking = await programmes.programmes_of(conn, person.id, "mentee")
    return [
        Choice(person.id, person.name, p.id, p.name)
        for p in taking
        if programme_ids is None or p.id in programme_ids
    ]


async def choices(svc: Services, viewer: Viewer) -> list[Choice]:
    """The records a mentee, mentor or supervisor may ask for (a coordinator names a NIP:
    everyone would be too many buttons)."""
    async with svc.db.read() as conn:
        allowed = await _scope(conn, viewer)
        found: list[Choice] = []
        for person in await people.get_people(conn, sorted(allowed)):
            found += await _choices_of(conn, person, allowed[person.id])
    me = viewer.person.id if viewer.person else None
    return sorted(found, key=lambda c: (c.person_id != me, c.name, c.programme, c.programme_id))


async def choices_for_nip(svc: Services, viewer: Viewer, nip: str) -> list[Choice] | Refused:
    """The programmes of the person with this NIP whose record the viewer may read."""
    digits = nips.clean_nip(nip)
    if not digits.isascii() or not digits.isdigit() or len(digits) != nips.NIP_DIGITS:
        return Refused.BAD_NIP
    async with svc.db.read() as conn:
        person = await people.get_person_by_nip(conn, digits)
        if person is None:
            return Refused.NOT_FOUND if viewer.is_coordinator else Refused.NOT_YOURS
        if viewer.is_coordinator:
            found = await _choices_of(conn, person, None)
        else:
            allowed = await _scope(conn, viewer)
            if person.id not in allowed:
                return Refused.NOT_YOURS
            found = await _choices_of(conn, person, allowed[person.id])
    return found or Refused.NOT_FOUND


async def record_for(
    svc: Services, viewer: Viewer, person_id: int, programme_id: int
) -> Record | Refused:
    """One mentee's record in one programme, if the viewer may read it."""
    async with svc.db.read() as conn:
        person = await people.get_person(conn, person_id)
        programme = await programmes.get_programme(conn, programme_id)
        if person is None or programme is None:
            return Refused.NOT_YOURS
        if not viewer.is_coordinator:
            allowed = await _scope(conn, viewer)
            if person_id not in allowed:
                return Refused.NOT_YOURS
            shown = allowed[person_id]
            if shown is not None and programme_id not in shown:
                return Refused.NOT_YOURS
        taking = await programmes.programmes_of(conn, person_id, "mentee")
        if programme_id not in {p.id for p in taking}:
            return Refused.NOT_FOUND
        return await _gather(conn, viewer, person, programme, svc.clock.now())


async def coordinator_record(
    svc: Services, nip: str, programme_name: str | None
) -> Record | Refused:
    """The operator's ``pembina export record``: anyone's, NIP included; the programme is
    needed only when the person takes part in several."""
    operator = Viewer(0, None, True, svc.default_language, svc.default_timezone)
    found = await choices_for_nip(svc, operator, nip)
    if isinstance(found, Refused):
        return found
    if programme_name is not None:
        found = [c for c in found if c.programme.casefold() == programme_name.strip().casefold()]
    if len(found) != 1:
        return Refused.NO_PROGRAMME
    return await record_for(svc, operator, found[0].person_id, found[0].programme_id)


def _local(at: datetime | None, zone: str) -> datetime | None:
    return timezones.local(at, zone).replace(tzinfo=None) if at is not None else None


def _session_state(confirmed: datetime | None, disputed: datetime | None) -> str:
    if disputed is not None:
        return "disputed"
    return "confirmed" if confirmed is not None else "unconfirmed"


async def _mentor_of(conn: AsyncConnection, person_id: int, programme_id: int) -> Person | None:
    """The active mentor in the programme, else the last one the mentee had there."""
    found = [
        p
        for p in await pairings.of_mentee(conn, person_id, (pairings.ACTIVE, pairings.ENDED))
        if p.programme_id == programme_id
    ]
    if not found:
        return None
    active = [p for p in found if p.status == pairings.ACTIVE]
    return await people.get_person(conn, (active or found)[-1].mentor_id)


def _person(person: Person, with_nip: bool) -> RecordPerson:
    return RecordPerson(person.name, person.nip if with_nip else None, person.unit)


def _other(mentor_id: int, mentee_id: int, logged_by_id: int | None) -> int:
    """A session is confirmed (or disputed) by the party who did not log it."""
    return mentee_id if logged_by_id == mentor_id else mentor_id


async def _gather(
    conn: AsyncConnection, viewer: Viewer, mentee: Person, programme: Programme, now: datetime
) -> Record:
    zone = viewer.timezone
    with_nip = viewer.is_coordinator
    mentor = await _mentor_of(conn, mentee.id, programme.id)
    logged = await facts.sessions_of(conn, mentee.id, programme.id)
    sent = await facts.reflections_sent(conn, mentee.id, programme.id)
    reviews = await reflections.reviews_by_reflection(conn, [r.id for r in sent])
    names_needed = {i for s in logged for i in (s.mentor_id, s.mentee_id)}
    names_needed |= {v.reviewer_id for rs in reviews.values() for v in rs}
    names = {p.id: p.name for p in await people.get_people(conn, sorted(names_needed))}
    marks = (await milestone_marks.of_people(conn, [mentee.id])).get(mentee.id, {})
    sessions = tuple(
        SessionRow(
            held_on=s.held_on,
            topic=s.topic,
            mode=s.mode,
            minutes=s.minutes,
            state=_session_state(s.confirmed_at, s.disputed_at),
            answered_at=_local(s.disputed_at or s.confirmed_at, zone),
            answered_by=names.get(_other(s.mentor_id, s.mentee_id, s.logged_by_id))
            if s.confirmed_at or s.disputed_at
            else None,
        )
        for s in logged
    )
    rows = []
    for r in sent:
        given = reviews.get(r.id, [])
        review = given[-1] if given else None
        rows.append(
            ReflectionRow(
                week_start=r.week_start,
                status=r.status,
                outcome=review.decision if review else None,
                reviewed_at=_local(review.created_at if review else None, zone),
                reviewer=names.get(review.reviewer_id) if review else None,
            )
        )
    milestones = []
    for m in await programmes.milestones_of(conn, programme.id):
        mark = marks.get(m.id)
        milestones.append(
            MilestoneRow(
                title=m.title,
                due_on=m.due_on,
                state=mark.state if mark else "open",
                done_at=_local(mark.done_at if mark else None, zone),
                confirmed_at=_local(mark.confirmed_at if mark else None, zone),
            )
        )
    return Record(
        programme=programme.name,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        mentee=_person(mentee, with_nip),
        mentor=_person(mentor, with_nip) if mentor else None,
        sessions=sessions,
        reflections=tuple(rows),
        milestones=tuple(milestones),
        generated_at=_local(now, zone) or now,
        zone=timezones.label(zone),
        with_nip=with_nip,
    )
