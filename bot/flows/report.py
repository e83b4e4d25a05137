"""The programme report (issue 10): one programme's figures as the viewer may see them.

Who sees whom is decided here, as for the JP ledger: a coordinator the whole programme, a
supervisor the people they supervise, a mentor the mentees they are or were paired with
there (someone both gets both); a mentee, or a supervisor or mentor with nobody in the
programme, is refused. NIP digits leave only in a coordinator's report, and session
ratings only as a coordinator's averages (mentees were promised that only coordinators
read their ratings; a mentor's own average over one mentee would be that mentee's
rating). Notes are never read.

Weeks are counted by the digest's rules (``bot.flows.progress.compute`` per mentee,
``bot.flows.digest.weekly_rates`` and ``Line.at_risk``), so a report, a digest and
/progres agree. The rows are read set-wise for the programme (``storage.report``): ten
thousand people with a year of history is a handful of queries.

The data is plain; ``bot.exports.report_files.report_xlsx`` writes it. A benchmark can
call :func:`report_for` and that writer directly.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.flows import weeks
from bot.flows.bulk import bulk
from bot.flows.digest import STALE_REVIEW_DAYS, Line, weekly_rates
from bot.flows.identity import Viewer
from bot.flows.ledger import jp
from bot.flows.progress import MenteeProgress, compute
from bot.flows.services import Services
from storage import audit, programmes, reflections
from storage import report as facts
from storage.models import AuditEntry, Programme
from storage.progress_facts import WeekFact
from storage.report import Member, Scope, SessionFacts

EVERYONE, SUPERVISOR, MENTOR, BOTH = "programme", "supervisor", "mentor", "supervisor_mentor"
AUDIT_ROWS = 10_000  # a programme's coordinator actions in its report (newest first)


@dataclass(frozen=True, slots=True)
class Participation:
    mentees: int
    mentees_joined: int  # bound to Telegram
    mentors: int
    mentors_joined: int
    paired: int  # mentees with an active pairing
    active: int  # mentees who sent a reflection or held a confirmed session here


@dataclass(frozen=True, slots=True)
class WeekRate:
    """One week's reflections of a unit (or of everyone shown, ``unit`` None)."""

    unit: str | None
    week: date  # Monday
    expected: int
    submitted: int

    @property
    def rate(self) -> float | None:
        """0-1, None when nobody owed that week."""
        return self.submitted / self.expected if self.expected else None


@dataclass(frozen=True, slots=True)
class Turnaround:
    """How fast mentors review: hours from a reflection's sending to its first review."""

    reviewed: int
    median_hours: float | None
    mean_hours: float | None
    waiting: int  # sent, not reviewed yet
    overdue: int  # waiting longer than STALE_REVIEW_DAYS
    reviewed_late: int  # reviewed, after more than STALE_REVIEW_DAYS


@dataclass(frozen=True, slots=True)
class SessionTally:
    logged: int = 0
    confirmed: int = 0  # and never disputed
    disputed: int = 0
    minutes: int = 0  # confirmed

    @property
    def unanswered(self) -> int:
        return self.logged - self.confirmed - self.disputed

    def __add__(self, other: SessionTally) -> SessionTally:
        return SessionTally(
            self.logged + other.logged,
            self.confirmed + other.confirmed,
            self.disputed + other.disputed,
            self.minutes + other.minutes,
        )


@dataclass(frozen=True, slots=True)
class MentorLine:
    mentor_id: int
    name: str
    mentees: int
    sessions: SessionTally
    average: float | None  # coordinators only; None otherwise or when nothing was rated
    rated: int


@dataclass(frozen=True, slots=True)
class PersonLine:
    """A mentee's row (NIP None unless the reader is a coordinator)."""

    person_id: int
    name: str
    nip: str | None
    unit: str | None
    mentor: str | None
    joined: bool
    expected: int
    submitted: int
    approved: int
    sessions: SessionTally
    jp: float  # approved reflections and confirmed sessions in this programme
    last_session: date | None
    flags: tuple[str, ...]  # ``Line.at_risk``: missed, review, unreachable
    missed_in_a_row: int
    waiting_days: int


@dataclass(frozen=True, slots=True)
class ProgrammeReport:
    programme: Programme
    scope: str  # EVERYONE, SUPERVISOR, MENTOR or BOTH
    with_nip: bool
    with_ratings: bool
    made_on: date  # the reader's day
    participation: Participation
    weekly: list[WeekRate]  # everyone shown, per week (the chart)
    units: list[WeekRate]  # per unit and week
    turnaround: Turnaround
    sessions: SessionTally
    rating_average: float | None
    rated: int
    mentors: list[MentorLine]
    people: list[PersonLine]
    session_mentees: int = 0  # mentees with a session logged (once, however many mentors)
    # What coordinators changed in this programme, newest first: a coordinator's copy only
    # (the facts name people and may hold NIPs). Times are shown in ``zone``.
    audit: list[AuditEntry] = field(default_factory=list)
    zone: str = "Asia/Jakarta"

    @property
    def at_risk(self) -> list[PersonLine]:
        return [p for p in self.people if p.flags]

    @property
    def expected(self) -> int:
        return sum(w.expected for w in self.weekly)

    @property
    def submitted(self) -> int:
        return sum(w.submitted for w in self.weekly)


def scope_of(viewer: Viewer) -> Scope | None:
    """Whose rows the viewer may read (None: nobody's, a mentee or a stranger)."""
    if viewer.is_coordinator:
        return Scope(everyone=True)
    person = viewer.person
    if person is None:
        return None
    supervisor = person.id if "supervisor" in person.roles else None
    mentor = person.id if "mentor" in person.roles else None
    if supervisor is None and mentor is None:
        return None
    return Scope(supervisor_id=supervisor, mentor_id=mentor)


async def programmes_for(svc: Services, viewer: Viewer) -> list[Programme] | None:
    """The programmes the viewer may report on, active first, then by start; None when
    they may report on none at all (a mentee)."""
    scope = scope_of(viewer)
    if scope is None:
        return None
    async with svc.db.read() as conn:
        allowed = await facts.programme_ids(conn, scope)
        every = await programmes.list_programmes(conn)
    shown = [p for p in every if p.id in allowed]
    return sorted(shown, key=lambda p: (p.status != "active", p.starts_on, p.id))


@bulk
async def report_for(
    svc: Services, viewer: Viewer, programme: Programme | int
) -> ProgrammeReport | None:
    """One programme's report as ``viewer`` may see it; None when refused (a mentee, or
    nobody of theirs in that programme, or no such programme: a forged button)."""
    scope = scope_of(viewer)
    if scope is None:
        return None
    wanted = programme if isinstance(programme, int) else programme.id
    now = svc.clock.now()
    async with svc.db.read() as conn:
        if wanted not in await facts.programme_ids(conn, scope):
            return None
        found = await programmes.get_programme(conn, wanted)
        if found is None:
            return None
        members = await facts.members(conn, wanted, scope)
        rows = await facts.week_facts(conn, wanted, scope)
        hours = await facts.review_hours(conn, wanted, scope)
        held = await facts.session_facts(conn, wanted, scope)
        approved = await facts.approved_minutes(conn, wanted, scope)
        mentors = await facts.current_mentors(conn, wanted, scope)
        names = await facts.names(conn, {s.mentor_id for s in held} | set(mentors.values()))
        trail = (
            await audit.entries(conn, programme_id=wanted, limit=AUDIT_ROWS)
            if viewer.is_coordinator
            else []
        )
    # Counting weeks is pure Python, about 0.2 ms a mentee: off the event loop, so ten
    # thousand people's report does not hold up everyone else's replies for seconds.
    made = await asyncio.to_thread(
        assemble, found, scope, viewer.is_coordinator, members, rows, hours, held, approved,
        mentors, names, now, weeks.local_date(now, viewer.timezone),
    )  # fmt: skip
    return replace(made, audit=trail, zone=viewer.timezone)


async def coordinator_report(svc: Services, name: str) -> ProgrammeReport | None:
    """The operator's ``pembina export report``: a coordinator's report, by programme
    name (None: no such programme)."""
    async with svc.db.read() as conn:
        found = await programmes.get_programme_by_name(conn, name.strip())
    if found is None:
        return None
    operator = Viewer(0, None, True, svc.default_language, svc.default_timezone)
    return await report_for(svc, operator, found)


def assemble(
    programme: Programme,
    scope: Scope,
    coordinator: bool,
    members: list[Member],
    rows: dict[int, list[WeekFact]],
    hours: list[float],
    held: list[SessionFacts],
    approved: dict[int, int],
    mentors: dict[int, int],
    names: dict[int, str],
    now: datetime,
    today: date,
) -> ProgrammeReport:
    """The figures from the rows read (pure: a unit test gives it rows and a clock)."""
    mentees = [m.person for m in members if "mentee" in m.roles]
    lines = [
        Line(
            compute(p, programme, rows.get(p.id, []), (), 0, now), None, p.status == "unreachable"
        )
        for p in mentees
    ]
    by_mentee: dict[int, SessionTally] = defaultdict(SessionTally)
    last: dict[int, date] = {}
    for s in held:
        by_mentee[s.mentee_id] += _tally(s)
        if s.last_confirmed is not None and s.last_confirmed > last.get(s.mentee_id, date.min):
            last[s.mentee_id] = s.last_confirmed
    people = [
        _person_line(
            line.progress, line.at_risk, rows.get(line.progress.person.id, []),
            names.get(mentors.get(line.progress.person.id, -1)), by_mentee,
            approved, last, coordinator,
        )
        for line in lines
    ]  # fmt: skip
    rating_total = sum(s.rating_total for s in held)
    rated = sum(s.rated for s in held) if coordinator else 0
    return ProgrammeReport(
        programme=programme,
        scope=_scope_name(scope),
        with_nip=coordinator,
        with_ratings=coordinator,
        made_on=today,
        participation=_participation(members, lines, mentors, by_mentee),
        weekly=[WeekRate(None, w, due, done) for w, done, due in weekly_rates(lines)],
        units=_unit_rates(lines),
        turnaround=_turnaround(hours, rows, now),
        sessions=sum(by_mentee.values(), SessionTally()),
        rating_average=rating_total / rated if rated else None,
        rated=rated,
        mentors=_mentor_lines(held, names, coordinator),
        people=people,
        session_mentees=len(by_mentee),
    )


def _scope_name(scope: Scope) -> str:
    if scope.everyone:
        return EVERYONE
    if scope.supervisor_id is not None and scope.mentor_id is not None:
        return BOTH
    return SUPERVISOR if scope.supervisor_id is not None else MENTOR


def _tally(s: SessionFacts) -> SessionTally:
    return SessionTally(s.logged, s.confirmed, s.disputed, s.confirmed_minutes)


def _person_line(
    p: MenteeProgress,
    flags: list[str],
    rows: list[WeekFact],
    mentor: str | None,
    sessions: dict[int, SessionTally],
    approved: dict[int, int],
    last: dict[int, date],
    with_nip: bool,
) -> PersonLine:
    person = p.person
    held = sessions.get(person.id, SessionTally())
    return PersonLine(
        person_id=person.id,
        name=person.name,
        nip=person.nip if with_nip else None,
        unit=person.unit,
        mentor=mentor,
        joined=person.telegram_id is not None,
        expected=p.due,
        submitted=sum(1 for w in p.due_weeks if w in p.done_weeks),
        approved=sum(1 for f in rows if f.status == reflections.APPROVED),
        sessions=held,
        jp=jp(approved.get(person.id, 0) + held.minutes),
        last_session=last.get(person.id),
        flags=tuple(flags),
        missed_in_a_row=p.missed_in_a_row,
        waiting_days=p.oldest_waiting_days,
    )


def _participation(
    members: list[Member],
    lines: list[Line],
    mentors: dict[int, int],
    sessions: dict[int, SessionTally],
) -> Participation:
    mentees = [m.person for m in members if "mentee" in m.roles]
    tutors = [m.person for m in members if "mentor" in m.roles]
    active = sum(
        1
        for line in lines
        if line.progress.done_weeks
        or sessions.get(line.progress.person.id, SessionTally()).confirmed
    )
    return Participation(
        mentees=len(mentees),
        mentees_joined=sum(1 for p in mentees if p.telegram_id is not None),
        mentors=len(tutors),
        mentors_joined=sum(1 for p in tutors if p.telegram_id is not None),
        paired=sum(1 for p in mentees if p.id in mentors),
        active=active,
    )


def _unit_rates(lines: list[Line]) -> list[WeekRate]:
    """Each unit's weekly rates, counted like the digest's chart (people by their own unit)."""
    units: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        units[line.progress.person.unit or "-"].append(line)
    return [
        WeekRate(unit, week, due, done)
        for unit, members in sorted(units.items())
        for week, done, due in weekly_rates(members)
    ]


def _turnaround(hours: list[float], rows: dict[int, list[WeekFact]], now: datetime) -> Turnaround:
    """Review times of reviewed reflections, and how long those still waiting have waited
    (the digest's threshold makes one overdue)."""
    waiting = [
        now - f.submitted_at
        for facts_of in rows.values()
        for f in facts_of
        if f.status == reflections.SUBMITTED and f.submitted_at is not None
    ]
    stale = STALE_REVIEW_DAYS * 24
    return Turnaround(
        reviewed=len(hours),
        median_hours=statistics.median(hours) if hours else None,
        mean_hours=statistics.fmean(hours) if hours else None,
        waiting=len(waiting),
        overdue=sum(1 for d in waiting if d > timedelta(days=STALE_REVIEW_DAYS)),
        reviewed_late=sum(1 for h in hours if h > stale),
    )


def _mentor_lines(
    held: list[SessionFacts], names: dict[int, str], with_ratings: bool
) -> list[MentorLine]:
    by_mentor: dict[int, list[SessionFacts]] = defaultdict(list)
    for s in held:
        by_mentor[s.mentor_id].append(s)
    found = []
    for mentor_id, rows in by_mentor.items():
        rated = sum(s.rated for s in rows) if with_ratings else 0
        total = sum(s.rating_total for s in rows)
        found.append(
            MentorLine(
                mentor_id=mentor_id,
                name=names.get(mentor_id, "-"),
                mentees=len({s.mentee_id for s in rows}),
                sessions=sum((_tally(s) for s in rows), SessionTally()),
                average=total / rated if rated else None,
                rated=rated,
            )
        )
    return sorted(found, key=lambda m: (m.name, m.mentor_id))
