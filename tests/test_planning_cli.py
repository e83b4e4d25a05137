"""``pembina jobs tick`` says plainly when a day's reminders do not fit in their window:
how many, the window, and how late the last one goes (both languages)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.cli_jobs import _late_line
from bot.flows import planning
from storage.db import Database
from storage.migrate import upgrade
from tests.test_cli import _pembina
from tests.test_planning_flows import WIB, at, seed


async def _seeded(db_url: str, mentees: int) -> None:
    database = Database(db_url)
    try:
        await upgrade(database)
        await seed(database, [WIB] * mentees, at("08:00", WIB))
    finally:
        await database.dispose()


def test_jobs_tick_says_how_many_do_not_fit_and_when_the_last_goes(
    tmp_path: Path, db_url: str
) -> None:
    """Eight mentees due at 19:55 WIB at one a minute: five fit before 20:00, three go after
    it, the last at 20:02 (before planning the tick queued all at 19:55 and said nothing)."""
    asyncio.run(_seeded(db_url, 8))
    result = _pembina(
        tmp_path,
        "jobs",
        "tick",
        "--at",
        "2026-12-11T19:55+07:00",
        DATABASE_URL=db_url,
        PEMBINA_NUDGE_RATE=str(1 / 60),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  Pengingat refleksi yang diantrekan: 8" in lines
    assert (
        "  Waktu tidak cukup: 3 pengingat tidak muat antara pukul 19:55 dan 20:00 WIB pada "
        "laju yang direncanakan. Pengingat tersebut tetap dikirim setelah pukul 20:00: yang "
        "terakhir pada 11-12-2026 20:02 WIB, 0 jam 2 menit setelah rentang waktu pengiriman "
        "berakhir."
    ) in lines
    # A minute later nothing is queued again, and there is nothing to report.
    again = _pembina(
        tmp_path,
        "jobs",
        "tick",
        "--at",
        "2026-12-11T19:56+07:00",
        DATABASE_URL=db_url,
        PEMBINA_NUDGE_RATE=str(1 / 60),
    )
    assert "  Pengingat refleksi yang diantrekan: 0" in again.stdout.splitlines()
    assert "Waktu tidak cukup" not in again.stdout


def test_the_late_line_in_english() -> None:
    item = planning.Late(
        zone="Asia/Makassar",
        count=12_000,
        window_start=at("09:00", "Asia/Makassar"),
        window_end=at("20:00", "Asia/Makassar"),
        last=at("21:35", "Asia/Makassar"),
    )
    assert _late_line("en", item) == (
        "  Not enough time: 12000 reminders do not fit between 09:00 and 20:00 WITA at the "
        "planned rate. They still go, after 20:00: the last at 11-12-2026 21:35 WITA, "
        "1 h 35 min after the window closed."
    )
    assert "12000 pengingat" in _late_line("id", item)
