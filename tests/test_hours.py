"""Hours people type, read as minutes."""

from __future__ import annotations

import pytest

from bot.flows.hours import jp, parse_minutes


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
        "0",
        "-2",
        "1..5",
        "2 hari",
        "101",
        "6001 menit",
        "1,5,2",
        "abc 2",
    ],
)
def test_refused(text: str) -> None:
    assert parse_minutes(text) is None


def test_jp() -> None:
    assert jp(45) == 1.0
    assert jp(900) == 20.0
    assert jp(100) == 2.2
