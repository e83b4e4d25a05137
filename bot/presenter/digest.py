"""Weekly digests: a supervisor's unit (with its chart) and the coordinators' overview.

The flow gathers the figures (``bot.flows.digest``); they are worded here, when the
digest is sent (or shown by /ringkasan), in the reader's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.flows.hours import JP_TARGET
from bot.i18n import Html, number, plain, t
from bot.presenter.base import Params, Part, notice, worded
from bot.text_split import pack

worded("digest.no_programmes")
DIGEST_MENTORS = 15  # lowest averages first; the rest are one command away (/catatan)


def rate(language: str, done: int, due: int) -> Html:
    """``1/2 (50%)``, or a note that nothing was due yet."""
    if not due:
        return t(language, "digest.rate_none")
    percent = number(100 * done / due, language, 0)
    return t(language, "digest.rate", done=done, total=due, percent=percent)


def _week(language: str, facts: list[str]) -> Html:
    """A week as [state, ISO due date] (``bot.flows.progress.WeekState``)."""
    state, due_iso = facts
    if state != "open":
        return t(language, f"digest.week.{state}")
    due = date.fromisoformat(due_iso)
    return t(
        language,
        "digest.week.open",
        weekday=t(language, f"weekday.{due.weekday()}"),
        day=due.strftime("%d-%m"),
    )


week_state = _week  # a week's state in words, as /siapa (/who) shows it too


def _waiting(language: str, line: Params) -> Html:
    if not line["pending"]:
        return t(language, "digest.waiting_none")
    if line["waiting_days"] < 1:
        return t(language, "digest.waiting_today", pending=line["pending"])
    return t(language, "digest.waiting", pending=line["pending"], days=line["waiting_days"])


def _milestones(line: Params, language: str) -> str:
    """``· Tonggak: 2/5 dikonfirmasi`` when the programme has milestones (digests queued
    before milestones were counted have no such fact)."""
    tally = line.get("milestones")
    if not tally or not tally[1]:
        return ""
    return f"\n{t(language, 'digest.milestones', confirmed=tally[0], total=tally[1])}"


def _line(line: Params, language: str) -> str:
    flags = ", ".join(t(language, f"digest.flag.{f}") for f in line["flags"])
    session = line.get("last_session")
    until = line.get("paused_until")
    return t(
        language,
        "digest.line",
        name=line["name"],
        programme=line["programme"],
        paused=(
            t(language, "digest.paused", until=date.fromisoformat(until).strftime("%d-%m-%Y"))
            if until
            else ""
        ),
        week=_week(language, line["week"]),
        last_week=_week(language, line["last_week"]),
        streak=line["streak"],
        waiting=_waiting(language, line),
        session=date.fromisoformat(session).strftime("%d-%m-%Y") if session else "-",
        jp=number(line["jp"], language),
        target=JP_TARGET,
        # The milestone tally (if any) sits just above the warnings.
        flags=Html(_milestones(line, language) + (f"\n⚠️ {flags}" if flags else "")),
    )


@notice("digest.supervisor")
def supervisor(params: Params, language: str) -> list[Part]:
    """params: title (the units listed), lines (per person: name, unit, programme, week and
    last_week ([state, ISO due date]), tally ([owed last week, sent last week]),
    paused_until (ISO last day or None), streak, pending, waiting_days, last_session (ISO
    date or None), jp, flags). People are grouped by their own unit, each unit with last
    week's rate counted like the coordinator's."""
    lines = params["lines"]
    parts: list[str] = [t(language, "digest.header", title=params["title"], count=len(lines))]
    units: dict[str, list[Params]] = {}
    for line in lines:
        units.setdefault(line["unit"], []).append(line)
    for unit, members in sorted(units.items()):
        due = sum(1 for m in members if m["tally"][0])
        done = sum(1 for m in members if m["tally"][0] and m["tally"][1])
        header = t(
            language,
            "digest.unit_header",
            unit=unit,
            count=len(members),
            rate=rate(language, done, due),
        )
        parts.append(header)
        parts += [_line(member, language) for member in members]
    if not lines:
        parts.append(t(language, "digest.empty"))
    return [Part(text) for text in pack(parts)]


def chart_figures(params: Params, language: str) -> dict[str, Any]:
    """The chart's JSON figures (``bot.chart.png_from_figures``) with labels in
    ``language``; params: unit, points ([ISO Monday, reflected, expected], ...)."""
    return {
        "title": plain(language, "digest.chart.title", unit=params["unit"]),
        "y_axis": plain(language, "digest.chart.y_axis"),
        "x_axis": plain(language, "digest.chart.x_axis"),
        "points": params["points"],
    }


@notice("digest.chart")
def chart(params: Params, language: str) -> list[Part]:
    """The caption of the unit's chart (the row is sent as a photo the sender draws from
    :func:`chart_figures`); params: unit, points."""
    caption = t(language, "digest.chart.caption", unit=params["unit"])
    return [Part(caption, chart=chart_figures(params, language))]


@notice("digest.coordinator")
def coordinator(params: Params, language: str) -> list[Part]:
    """params: units ([unit, reflected, due] for last week), busiest ([mentor name,
    reviews waiting]), ratings ([mentor, average, rated sessions, notes], lowest average
    first), unmatched and unreachable (the first names), unmatched_more and
    unreachable_more (how many more; absent from notices queued before they were
    counted)."""
    parts: list[str] = [t(language, "digest.coordinator_header")]
    parts += [
        t(language, "digest.unit_rate", unit=unit, rate=rate(language, done, due))
        for unit, done, due in params["units"]
    ]
    parts.append(t(language, "digest.busiest_header"))
    parts += [
        t(language, "digest.busiest_line", name=name, count=count)
        for name, count in params["busiest"]
    ]
    if not params["busiest"]:
        parts.append(t(language, "digest.none"))
    parts += _ratings(params.get("ratings", []), language)
    for key in ("unmatched", "unreachable"):
        parts.append(t(language, f"digest.{key}", names=", ".join(params[key]) or "-"))
        if more := params.get(f"{key}_more", 0):
            parts.append(t(language, f"digest.{key}_more", count=more))
    return [Part(text) for text in pack(parts, separator="\n")]


def rating_average(language: str, average: float, rated: int, notes: int) -> Html:
    """A mentor's average rating, how many sessions it rests on, and how many notes."""
    shown = number(average, language)
    return t(language, "digest.ratings.average", average=shown, rated=rated, notes=notes)


def _ratings(found: list[list[Any]], language: str) -> list[str]:
    """The programme digest's lines on session ratings, lowest averages first; the notes
    themselves are one command away (coordinators only)."""
    parts: list[str] = [t(language, "digest.ratings.digest_header")]
    parts += [
        t(
            language,
            "digest.ratings.digest_line",
            name=name,
            average=rating_average(language, average, rated, notes),
        )
        for name, average, rated, notes in found[:DIGEST_MENTORS]
    ]
    if len(found) > DIGEST_MENTORS:
        parts.append(t(language, "digest.ratings.more", count=len(found) - DIGEST_MENTORS))
    if not found:
        parts.append(t(language, "digest.none"))
    elif any(notes for *_, notes in found):
        parts.append(t(language, "digest.ratings.notes_hint"))
    return parts
