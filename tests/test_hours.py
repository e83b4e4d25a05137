"""Hours people type, read as minutes."""

from __future__ import annotations

import pytest

from bot.flows.hours import CEILING_MINUTES, jp, parse_minutes, parse_sitting


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2", 120),
        ("1,5", 90),
        ("1.5", 90),
        (" 0,25 ", 15),
        ("90 menit", 90),
        ("90menit", 90),
        ("1 jam 30 menit", 90),
        ("1 jam dan 30 menit", 90),
        ("1j30m", 90),
        ("2 jam", 120),
        ("1,5 jam", 90),
        ("45 mnt", 45),
        ("2 hours", 120),
        ("1 hour 30 minutes", 90),
        ("1h 30m", 90),
        ("3 JAM", 180),
    ],
)
def test_understood(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "",
        "dua jam",
        "jam",
        "menit",
        "-2",
        "1..5",
        "2 hari",
        "1,5,2",
        "abc 2",
        "٣",  # Arabic-Indic three: read as nothing rather than guessed
    ],
)
def test_refused(text: str) -> None:
    assert parse_minutes(text) is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("0", 0),
        ("101", 6060),
        ("500", 30000),
        ("6001 menit", 6001),
        ("9" * 400, CEILING_MINUTES),  # no OverflowError: the reading is capped
        ("1" * 400 + " jam " + "2" * 400 + " menit", CEILING_MINUTES),
        ("0," + "0" * 400 + "1", 0),
    ],
)
def test_read_whatever_the_size_limits_are_the_callers(text: str, minutes: int) -> None:
    """Reading and judging are apart: a caller refuses 500 hours as too many, with its
    own limit, instead of "cannot read"."""
    assert parse_minutes(text) == minutes


def test_jp() -> None:
    assert jp(45) == 1.0
    assert jp(900) == 20.0
    assert jp(100) == 2.2


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1", 60),  # hours, as everywhere
        ("8", 480),
        ("9", 540),  # nine hours, refused by the caller: nobody means nine minutes
        ("15", 15),
        ("60", 60),
        ("480", 480),
        ("481", 481 * 60),  # neither hours nor minutes of one day: left for the limit check
        ("1,5", 90),
        ("90 menit", 90),
    ],
)
def test_a_sitting_reads_a_big_bare_number_as_minutes(text: str, minutes: int) -> None:
    assert parse_sitting(text, most_hours=8) == minutes
