"""Weekly digests: a supervisor's unit (with its chart) and the coordinators' overview.

The flow gathers the figures (``bot.flows.digest``); they are worded here, when the
digest is sent (or shown by /ringkasan), in the reader's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.flows.progress import JP_TARGET
from bot.i18n import Html, plain, t
from bot.presenter.base import Params, Part, notice, worded
from bot.text_split import pack

worded("digest.no_programmes")


def _line(line: Params, language: str) -> str:
    flags = ", ".join(t(language, f"digest.flag.{f}") for f in line["flags"])
    session = line.get("last_session")
    return t(
        language,
        "digest.line",
        name=line["name"],
        programme=line["programme"],
        week=t(language, "digest.yes") if line["week"] else t(language, "digest.no"),
        last_week=t(language, "digest.yes") if line["last_week"] else t(language, "digest.no"),
        streak=line["streak"],
        pending=line["pending"],
        waiting_days=line["waiting_days"],
        session=date.fromisoformat(session).strftime("%d-%m-%Y") if session else "-",
        jp=f"{line['jp']:g}",
        target=JP_TARGET,
        flags=Html(f"\n⚠️ {flags}") if flags else "",
    )


@notice("digest.supervisor")
def supervisor(params: Params, language: str) -> list[Part]:
    """params: title (the unit), lines (per person: name, programme, week, last_week,
    streak, pending, waiting_days, last_session (ISO date or None), jp, flags)."""
    lines = params["lines"]
    parts: list[str] = [t(language, "digest.header", title=params["title"], count=len(lines))]
    parts += [_line(line, language) for line in lines]
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
    """params: units ([unit, reflected, expected] for last week), busiest ([mentor name,
    reviews waiting]), unmatched and unreachable (names)."""
    parts: list[str] = [t(language, "digest.coordinator_header")]
    parts += [
        t(
            language,
            "digest.unit_rate",
            unit=unit,
            done=done,
            total=total,
            percent=round(100 * done / total) if total else 0,
        )
        for unit, done, total in params["units"]
    ]
    parts.append(t(language, "digest.busiest_header"))
    parts += [
        t(language, "digest.busiest_line", name=name, count=count)
        for name, count in params["busiest"]
    ]
    if not params["busiest"]:
        parts.append(t(language, "digest.none"))
    parts.append(t(language, "digest.unmatched", names=", ".join(params["unmatched"]) or "-"))
    parts.append(t(language, "digest.unreachable", names=", ".join(params["unreachable"]) or "-"))
    return [Part(text) for text in pack(parts, separator="\n")]
