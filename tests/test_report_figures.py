"""The programme report's figures on a fixed clock, and its workbook read back.

Programme "Latsar" began Monday 2 November 2026 (reflections due Fridays); the clock is
Monday 23 November, 09:00 WIB, so three weeks are due. Ani (WIB, unit A, supervised by
Sari) sent week 1, approved 4 hours later (45 minutes), and week 2, sent back for revision
10 hours later; Beni (WITA, unit B) sent week 1 late and it still waits (16 days); Citra
(WIT, unit A, supervised by Sari) sent nothing. Mira mentors Ani and Beni. Dodi is in
another programme only, whose review took 100 hours: none of it may leak in.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook

from bot.exports.report_files import SHEETS, report_xlsx
from bot.flows import report
from bot.flows.identity import Viewer
from bot.flows.report import ProgrammeReport
from bot.flows.services import Services
from storage import pairings, people, programmes, reflections, sessions

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
NOTE = "catatan yang tidak boleh keluar"


async def _world(svc: Services) -> dict[str, int]:
    now = svc.clock.now()
    ids: dict[str, int] = {}
    async with svc.db.write() as conn:
        for key, name, unit, zone, roles, nip in (
            ("sari", "Sari", "A", "Asia/Jakarta", ["supervisor"], "197001012000032001"),
            ("mira", "Mira", "A", "Asia/Jakarta", ["mentor"], "198001012005032002"),
            ("ani", "Ani", "A", "Asia/Jakarta", ["mentee"], "199001012015032003"),
            ("beni", "Beni", "B", "Asia/Makassar", ["mentee"], "199101012016031004"),
            ("citra", "Citra", "A", "Asia/Jayapura", ["mentee"], "199201012017032005"),
            ("dodi", "Dodi", "C", "Asia/Jakarta", ["mentee"], "199301012018031006"),
        ):
            ids[key] = await people.insert_person(
                conn, nip=nip, name=name, unit=unit, timezone=zone, language="id",
                roles=roles, now=now, telegram_id=1000 + len(ids),
            )  # fmt: skip
        for key in ("ani", "citra"):
            await people.update_person(conn, ids[key], now, supervisor_id=ids["sari"])
        for key, starts in (("latsar", W1), ("other", W1)):
            ids[key] = await programmes.create_programme(
                conn, name=key.title(), kind="latsar", starts_on=starts,
                ends_on=date(2027, 3, 26), reflection_weekday=4, questions=[],
                unit_rule="any", now=now,
            )  # fmt: skip
        for key in ("ani", "beni", "citra"):
            await programmes.add_member(conn, ids["latsar"], ids[key], "mentee")
        await programmes.add_member(conn, ids["latsar"], ids["mira"], "mentor")
        await programmes.add_member(conn, ids["other"], ids["dodi"], "mentee")
        for key in ("ani", "beni"):
            await pairings.create_pairing(
                conn, programme_id=ids["latsar"], mentor_id=ids["mira"], mentee_id=ids[key],
                status="active", reason="", now=now,
            )  # fmt: skip
        sent = datetime(2026, 11, 6, 1, 0, tzinfo=UTC)
        for programme, person, week, at, status, review_after, minutes in (
            ("latsar", "ani", W1, sent, "approved", 4, 45),
            ("latsar", "ani", W2, sent + timedelta(days=7), "revision", 10, None),
            ("latsar", "beni", W1, sent + timedelta(days=1), "submitted", None, None),
            ("other", "dodi", W1, sent, "approved", 100, 45),
        ):
            draft = await reflections.open_draft(conn, ids[programme], ids[person], week, at)
            if minutes:
                await reflections.save_answer(conn, draft.id, 0, "x", at, minutes=minutes)
            await reflections.set_state(
                conn, draft.id, status=status, now=at, expect=("draft",), submitted_at=at
            )
            if review_after is not None:
                await reflections.add_review(
                    conn, reflection_id=draft.id, reviewer_id=ids["mira"], version=1,
                    decision="approve", comment=None, now=at + timedelta(hours=review_after),
                )  # fmt: skip
        for mentee, fate in (("ani", sessions.confirm), ("beni", sessions.dispute)):
            held = await sessions.log_session(
                conn, programme_id=ids["latsar"], mentor_id=ids["mira"],
                mentee_id=ids[mentee], held_on=date(2026, 11, 12), minutes=90, topic="t",
                mode="online", logged_by_id=ids["mira"], now=now,
            )  # fmt: skip
            assert await fate(conn, held.id, now)
            if mentee == "ani":
                await sessions.rate(conn, held.id, 3, NOTE)
    return ids


async def _viewer(svc: Services, person_id: int | None) -> Viewer:
    if person_id is None:
        return Viewer(900, None, True, "id", "Asia/Jakarta")  # a configured coordinator
    async with svc.db.read() as conn:
        person = await people.get_person(conn, person_id)
    return Viewer(1, person, False, "id", "Asia/Jakarta")


async def test_coordinator_figures_turnaround_rates_and_risk(svc: Services) -> None:
    ids = await _world(svc)
    svc.clock.set(NOW)  # type: ignore[attr-defined]
    found = await report.report_for(svc, await _viewer(svc, None), ids["latsar"])
    assert found is not None
    assert found.scope == report.EVERYONE
    p = found.participation
    assert (p.mentees, p.mentees_joined, p.mentors, p.paired, p.active) == (3, 3, 1, 2, 2)
    t = found.turnaround
    assert (t.reviewed, t.median_hours, t.mean_hours) == (2, 7.0, 7.0)  # 4 h and 10 h
    assert (t.waiting, t.overdue, t.reviewed_late) == (1, 1, 0)  # Beni's, 16 days
    assert [(w.week, w.expected, w.submitted) for w in found.weekly] == [
        (W1, 3, 2), (W2, 3, 1), (W3, 3, 0),
    ]  # fmt: skip
    units = {(w.unit, w.week): (w.expected, w.submitted) for w in found.units}
    assert units[("A", W1)] == (2, 1)
    assert units[("A", W3)] == (2, 0)
    assert units[("B", W2)] == (1, 0)
    risk = {p.name: p.flags for p in found.at_risk}
    assert risk == {"Beni": ("missed", "review"), "Citra": ("missed",)}
    s = found.sessions
    assert (s.logged, s.confirmed, s.disputed, s.minutes) == (2, 1, 1, 90)
    assert (found.rating_average, found.rated) == (3.0, 1)
    ani = next(p for p in found.people if p.name == "Ani")
    assert (ani.expected, ani.submitted, ani.approved) == (3, 2, 1)
    assert ani.jp == round((45 + 90) / 45, 2)
    assert ani.nip == "199001012015032003"
    assert ani.mentor == "Mira"
    assert "Dodi" not in {p.name for p in found.people}


async def test_scopes_supervisor_mentor_mentee(svc: Services) -> None:
    ids = await _world(svc)
    svc.clock.set(NOW)  # type: ignore[attr-defined]
    sari = await _viewer(svc, ids["sari"])
    found = await report.report_for(svc, sari, ids["latsar"])
    assert found is not None
    assert [p.name for p in found.people] == ["Ani", "Citra"]
    assert all(p.nip is None for p in found.people)
    assert (found.rating_average, found.rated) == (None, 0)
    assert found.mentors[0].average is None
    assert await report.report_for(svc, sari, ids["other"]) is None  # nobody of hers there
    assert [p.id for p in await report.programmes_for(svc, sari) or []] == [ids["latsar"]]

    mira = await _viewer(svc, ids["mira"])
    mine = await report.report_for(svc, mira, ids["latsar"])
    assert mine is not None
    assert [p.name for p in mine.people] == ["Ani", "Beni"]
    assert mine.turnaround.reviewed == 2

    ani = await _viewer(svc, ids["ani"])
    assert await report.programmes_for(svc, ani) is None
    assert await report.report_for(svc, ani, ids["latsar"]) is None


async def test_workbook_in_english_with_chart_and_without_a_note(svc: Services) -> None:
    ids = await _world(svc)
    svc.clock.set(NOW)  # type: ignore[attr-defined]
    found = await report.report_for(svc, await _viewer(svc, None), ids["latsar"])
    assert found is not None
    data = report_xlsx(found, "en")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Summary", "Weekly rates", "Weekly counts", "At risk", "People", "Sessions",
        "Audit log",
    ]  # fmt: skip
    assert len(SHEETS) == len(book.sheetnames)  # one writer per sheet
    assert len(book["Summary"]._images) == 1
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Submission rate"].value == 3 / 9
    assert summary["Submission rate"].number_format == "0%"
    assert summary["Review time, median (hours)"].value == 7
    people_sheet = book["People"]
    assert [c.value for c in people_sheet[1]][:3] == ["Name", "NIP", "Unit"]
    assert people_sheet["B2"].number_format == "@"
    assert people_sheet.freeze_panes == "A2"
    assert NOTE.encode() not in data


async def test_a_programme_before_its_first_week_has_no_chart(svc: Services) -> None:
    ids = await _world(svc)
    async with svc.db.write() as conn:
        new = await programmes.create_programme(
            conn, name="Baru", kind="latsar", starts_on=date(2027, 1, 4),
            ends_on=date(2027, 3, 26), reflection_weekday=4, questions=[], unit_rule="any",
            now=NOW,
        )  # fmt: skip
        await programmes.add_member(conn, new, ids["citra"], "mentee")
    svc.clock.set(NOW)  # type: ignore[attr-defined]
    found = await report.report_for(svc, await _viewer(svc, None), new)
    assert isinstance(found, ProgrammeReport)
    assert found.weekly == []
    assert found.participation.mentees == 1
    book = load_workbook(io.BytesIO(report_xlsx(found, "id")))
    assert book["Ringkasan"]._images == []
    assert [c.value for c in book["Tingkat mingguan"][2]] == ["Semua"]
