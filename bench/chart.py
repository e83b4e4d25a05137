"""Chart rendering benchmark: N digest charts of 52 weeks, one after another.

The outbox sender renders one chart per supervisor just before sending the Monday digest,
so the cost per chart times the number of supervisors is what the Monday run pays. Prints
the import cost, the first (cold: fonts loaded) chart, the mean per chart after it, and the
process's peak resident memory.

    python bench/chart.py --count 200
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date, timedelta

START = time.perf_counter()
from bot.chart import ChartLabels, WeekRate, submission_rate_png  # noqa: E402 - timed import

IMPORT_SECONDS = time.perf_counter() - START
WEEKS = 52


def year(seed: int) -> list[WeekRate]:
    """52 weeks for one unit; a few weeks nobody was expected, rates vary by seed."""
    monday = date(2025, 12, 29)
    return [
        WeekRate(monday + timedelta(weeks=i), (i * 7 + seed) % 13, 0 if i % 17 == 5 else 12)
        for i in range(WEEKS)
    ]


def peak_rss_mib() -> float:
    """Peak resident set size; ru_maxrss is KiB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run(count: int) -> None:
    labels = ChartLabels("Tingkat refleksi mingguan — Bidang Mutasi", "% refleksi", "Minggu")
    began = time.perf_counter()
    size = len(submission_rate_png(year(0), labels))
    first = time.perf_counter() - began
    began = time.perf_counter()
    for seed in range(1, count + 1):
        submission_rate_png(year(seed), labels)
    mean = (time.perf_counter() - began) / count
    print(f"import bot.chart: {IMPORT_SECONDS * 1000:.0f} ms; first chart: {first * 1000:.0f} ms")
    print(f"{count} charts of {WEEKS} weeks: {mean * 1000:.1f} ms per chart, ~{size // 1024} KiB")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    run(parser.parse_args().count)


if __name__ == "__main__":
    main()
