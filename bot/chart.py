"""A PNG bar chart of a unit's weekly reflection submission rate, drawn off-screen.

The supervisor's Monday digest carries this image. It is rendered by the outbox sender just
before sending, so the database stores only the numbers, not a PNG per supervisor. The
sender calls :func:`submission_rate_png` through ``asyncio.to_thread``; that is why only
matplotlib's object-oriented API is used (a ``Figure`` with its own Agg canvas, never
``pyplot``, whose global figure registry is not safe off the main thread and may try to
open a display).

Text comes from the caller already translated and may contain user-typed unit names:
it is drawn as plain text (mathtext off, so ``$`` stays a dollar sign) and characters the
font cannot draw become ``?`` instead of a "missing glyph" warning per chart.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ticker import PercentFormatter

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.0, 100  # 800 x 400 px
TARGET_PERCENT = 80.0  # the dashed reference line
MIN_WEEKS = 8  # bar slots drawn even when the programme is younger
MAX_WEEK_LABELS = 13  # "07-12" labels that fit side by side under an 800 px axis
TITLE_WRAP = 75  # characters per title line: a long unit name wraps
TITLE_LINES = 2  # more would squeeze the bars; the rest becomes "…"
ZERO_STUB = 1.0  # percentage points drawn for a 0 % week, so it differs from a gap
BAR_WIDTH = 0.8
MARGINS = {"left": 0.1, "right": 0.98, "bottom": 0.14, "top": 0.87}
BAR_COLOUR = "#2a7ab0"
TARGET_COLOUR = "#c0392b"
# Plain text only: no mathtext parsing of "$...$", no LaTeX even if rcParams ask for it.
_PLAIN: dict[str, Any] = {"parse_math": False, "usetex": False}


@dataclass(frozen=True, slots=True)
class WeekRate:
    week_start: date  # Monday of the week
    submitted: int  # people in the unit who reflected that week
    expected: int  # people in the unit for whom that week counted


@dataclass(frozen=True, slots=True)
class ChartLabels:
    title: str  # e.g. "Tingkat refleksi mingguan — Bidang Mutasi"
    y_axis: str  # e.g. "% refleksi terkirim"
    x_axis: str  # e.g. "Minggu"


def submission_rate_png(points: Sequence[WeekRate], labels: ChartLabels) -> bytes:
    """PNG bytes of the chart; identical inputs give identical bytes (no metadata stamped)."""
    figure = build_figure(points, labels)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def png_from_figures(figures: Mapping[str, Any]) -> bytes:
    """The chart from the JSON the outbox keeps: title, y_axis, x_axis and
    ``points`` as ``[iso_monday, submitted, expected]`` lists."""
    points = [
        WeekRate(date.fromisoformat(week), int(done), int(due))
        for week, done, due in figures.get("points", [])
    ]
    labels = ChartLabels(
        str(figures.get("title", "")),
        str(figures.get("y_axis", "")),
        str(figures.get("x_axis", "")),
    )
    return submission_rate_png(points, labels)


def build_figure(points: Sequence[WeekRate], labels: ChartLabels) -> Figure:
    """The figure before encoding; separate so tests can measure the laid-out labels."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, facecolor="white")
    # Fixed margins, not the "tight" layout: every label here is bounded (two title lines,
    # "100%" ticks, "dd-mm" weeks), and measuring them each time was half the render time.
    figure.subplots_adjust(**MARGINS)
    axes = figure.add_subplot()
    axes.set_facecolor("white")
    _draw_bars(axes, points)
    _style_axes(axes, labels)
    _label_weeks(axes, [p.week_start for p in points])
    return figure


def percentage(point: WeekRate) -> float | None:
    """Share who reflected, 0-100; ``None`` when nobody was expected (a gap, not 0 %)."""
    if point.expected <= 0:
        return None
    return min(max(100.0 * point.submitted / point.expected, 0.0), 100.0)


def _draw_bars(axes: Axes, points: Sequence[WeekRate]) -> None:
    """One bar per week that counted; weeks nobody was expected are left empty.

    A week where nobody reflected gets a thin stub, otherwise "0 %" and "did not count"
    would look the same.
    """
    shown = [(i, pct) for i, p in enumerate(points) if (pct := percentage(p)) is not None]
    if shown:
        positions, heights = zip(*shown, strict=True)
        visible = [max(h, ZERO_STUB) for h in heights]
        axes.add_collection(_bars(positions, visible), autolim=False)
        if len(points) <= MAX_WEEK_LABELS:  # few bars: each gets its figure on top
            for x, h in shown:
                _label_bar(axes, x, h)
    axes.axhline(TARGET_PERCENT, color=TARGET_COLOUR, linestyle="--", linewidth=1)
    # At least MIN_WEEKS slots: a programme's first week is one bar, not a wall of blue.
    axes.set_xlim(-0.6, max(len(points), MIN_WEEKS) - 0.4)


def _label_bar(axes: Axes, x: float, height: float) -> None:
    """The bar's percentage above it, or inside near the top when there is no room."""
    inside = height >= 90
    axes.text(
        x,
        height - 1.5 if inside else height + 1.5,
        f"{height:.0f}%",
        ha="center",
        va="top" if inside else "bottom",
        fontsize=9,
        color="white" if inside else "black",
        **_PLAIN,
    )


def _bars(positions: Sequence[float], heights: Sequence[float]) -> PolyCollection:
    """All bars as one collection: ``axes.bar`` makes a patch per bar and re-fits the data
    limits after each, about a quarter of the render time for 52 weeks (bench/chart.py);
    the limits are fixed here anyway."""
    half = BAR_WIDTH / 2
    return PolyCollection(
        [
            [(x - half, 0), (x - half, h), (x + half, h), (x + half, 0)]
            for x, h in zip(positions, heights, strict=True)
        ],
        facecolors=BAR_COLOUR,
        edgecolors="none",
    )


def _style_axes(axes: Axes, labels: ChartLabels) -> None:
    """Fixed 0-100 % scale so charts from different weeks compare at a glance."""
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    lines = textwrap.wrap(
        _drawable(labels.title), TITLE_WRAP, max_lines=TITLE_LINES, placeholder=" …"
    )
    title = "\n".join(lines)
    axes.set_title(title, **_PLAIN)
    axes.set_ylabel(_drawable(labels.y_axis), **_PLAIN)
    axes.set_xlabel(_drawable(labels.x_axis), **_PLAIN)


def _label_weeks(axes: Axes, weeks: Sequence[date]) -> None:
    """Day-month labels, thinned to fit; counted back from the latest week, always labelled."""
    step = max(1, math.ceil(len(weeks) / MAX_WEEK_LABELS))
    indices = list(range(len(weeks) - 1, -1, -step))[::-1]
    axes.set_xticks(indices, [f"{weeks[i]:%d-%m}" for i in indices], **_PLAIN)


def _drawable(text: str) -> str:
    """``text`` with characters the default font lacks (emoji, most non-Latin) as ``?``."""
    return "".join(c if c in "\n\t" or _has_glyph(c) else "?" for c in text)


@cache
def _has_glyph(char: str) -> bool:
    """Whether the default sans-serif font draws ``char`` (asked once per character)."""
    font = get_font(findfont(FontProperties()))
    return font.get_char_index(ord(char)) != 0
