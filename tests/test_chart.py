"""The digest chart: a valid 800x400 PNG for any input, plain-text labels, honest gaps."""

from __future__ import annotations

import asyncio
import os
import struct
import subprocess
import sys
import zlib
from datetime import date, timedelta
from itertools import pairwise

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection

from bot.chart import (
    ChartLabels,
    WeekRate,
    build_figure,
    percentage,
    png_from_figures,
    submission_rate_png,
)

LABELS = ChartLabels("Tingkat refleksi mingguan — Bidang Mutasi", "% refleksi terkirim", "Minggu")
FIRST_MONDAY = date(2025, 12, 29)


def weeks(count: int, expected: int = 10) -> list[WeekRate]:
    """``count`` consecutive weeks with varied rates (0-100 %)."""
    return [
        WeekRate(FIRST_MONDAY + timedelta(weeks=i), (i * 7) % (expected + 1), expected)
        for i in range(count)
    ]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, checking its CRC on the way."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    body = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    return width, height


def bar_heights(points: list[WeekRate]) -> dict[float, float]:
    """Bar centre -> height, read back from the figure the PNG would be made of."""
    [axes] = build_figure(points, LABELS).axes
    bars = [c for c in axes.collections if isinstance(c, PolyCollection)]
    assert len(bars) <= 1
    outlines = [path.vertices for c in bars for path in c.get_paths()]
    return {(v[:, 0].min() + v[:, 0].max()) / 2: v[:, 1].max() for v in outlines}


def test_png_of_about_800_by_400() -> None:
    data = submission_rate_png(weeks(8), LABELS)
    width, height = png_size(data)
    assert abs(width - 800) <= 2
    assert abs(height - 400) <= 2
    assert data.endswith(b"IEND\xaeB`\x82")


def test_empty_points_still_give_a_png() -> None:
    assert png_size(submission_rate_png([], LABELS)) == png_size(
        submission_rate_png(weeks(3), LABELS)
    )


def test_a_year_of_weeks_has_labels_that_do_not_overlap() -> None:
    figure = build_figure(weeks(52), LABELS)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    [axes] = figure.axes
    renderer = canvas.get_renderer()
    labels = [t for t in axes.get_xticklabels() if t.get_text()]
    assert 5 <= len(labels) <= 14
    assert labels[-1].get_text() == f"{FIRST_MONDAY + timedelta(weeks=51):%d-%m}"
    boxes = [t.get_window_extent(renderer) for t in labels]
    for left, right in pairwise(boxes):
        assert left.x1 < right.x0
    assert png_size(submission_rate_png(weeks(52), LABELS)) == (800, 400)


def test_week_labels_are_day_month() -> None:
    [axes] = build_figure(weeks(2), LABELS).axes
    assert [t.get_text() for t in axes.get_xticklabels()] == ["29-12", "05-01"]


@pytest.mark.parametrize(
    "title",
    [
        r"Bidang $\frac{ <b>Mutasi</b> & Co $",  # broken mathtext if it were parsed
        "Unit Rp$5 <i>&amp;",
        "Bagian 中文 🦜 Kepegawaian",  # glyphs the default font lacks: no warning, no error
        "Bidang " * 60,  # very long: wrapped and cut, the chart keeps its size
    ],
)
def test_user_typed_titles_render_literally(title: str) -> None:
    labels = ChartLabels(title, "% refleksi $terkirim", "Minggu <&>")
    assert png_size(submission_rate_png(weeks(10), labels)) == (800, 400)
    [axes] = build_figure(weeks(10), labels).axes
    shown = axes.get_title()
    if "$" in title:
        assert "$" in shown
        assert not axes.title.get_parse_math()


def test_weeks_nobody_was_expected_are_gaps_not_zero() -> None:
    points = [
        WeekRate(FIRST_MONDAY, 5, 10),
        WeekRate(FIRST_MONDAY + timedelta(weeks=1), 0, 0),
        WeekRate(FIRST_MONDAY + timedelta(weeks=2), 0, 10),
        WeekRate(FIRST_MONDAY + timedelta(weeks=3), 12, 10),  # more than expected: capped
    ]
    heights = bar_heights(points)
    assert sorted(heights) == [0, 2, 3]  # no bar at position 1
    assert heights[0] == pytest.approx(50)
    assert 0 < heights[2] < 5  # a visible stub, unlike the gap
    assert heights[3] == pytest.approx(100)
    assert png_size(submission_rate_png(points, LABELS)) == (800, 400)
    assert png_size(submission_rate_png(points[1:2], LABELS)) == (800, 400)


def test_percentage() -> None:
    assert percentage(WeekRate(FIRST_MONDAY, 3, 4)) == pytest.approx(75)
    assert percentage(WeekRate(FIRST_MONDAY, 0, 0)) is None
    assert percentage(WeekRate(FIRST_MONDAY, 0, 4)) == 0


def test_same_input_same_bytes() -> None:
    first = submission_rate_png(weeks(52), LABELS)
    assert submission_rate_png(weeks(52), LABELS) == first
    assert submission_rate_png(weeks(51), LABELS) != first
    assert b"Software" not in first
    assert b"tIME" not in first


async def test_threads_render_the_same_bytes() -> None:
    """The sender renders in ``asyncio.to_thread``; parallel renders must not interfere."""
    expected = submission_rate_png(weeks(52), LABELS)
    results = await asyncio.gather(
        *(asyncio.to_thread(submission_rate_png, weeks(52), LABELS) for _ in range(8))
    )
    assert all(r == expected for r in results)


def test_no_pyplot_and_no_display_needed() -> None:
    """pyplot would pick a GUI backend (here one that cannot work) and keep global figures."""
    script = (
        "import sys; from bot.chart import *; from datetime import date;"
        "png = submission_rate_png([WeekRate(date(2026, 1, 5), 1, 2)], ChartLabels('t', 'y', 'x'));"
        "assert png.startswith(b'\\x89PNG');"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    env = {**os.environ, "MPLBACKEND": "tkagg", "DISPLAY": ""}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_figures_from_the_outbox_give_the_same_chart() -> None:
    """The outbox stores the numbers as JSON; the chart drawn from them is the same PNG."""
    points = weeks(5)
    figures = {
        "title": LABELS.title,
        "y_axis": LABELS.y_axis,
        "x_axis": LABELS.x_axis,
        "points": [[p.week_start.isoformat(), p.submitted, p.expected] for p in points],
    }
    assert png_from_figures(figures) == submission_rate_png(points, LABELS)
    assert png_size(png_from_figures({"title": "kosong", "points": []})) == (800, 400)


def test_few_weeks_show_their_percentages_many_do_not() -> None:
    """Up to 13 weeks each bar carries its figure; a young programme's bars stay narrow."""
    few = [WeekRate(date(2026, 11, 30) + timedelta(weeks=i), d, 3) for i, d in enumerate((1, 3))]
    axes = build_figure(few, LABELS).axes[0]
    assert [t.get_text() for t in axes.texts] == ["33%", "100%"]
    assert axes.get_xlim()[1] > 7  # eight slots, not two bars across the whole width
    assert len(build_figure(weeks(52), LABELS).axes[0].texts) == 0
