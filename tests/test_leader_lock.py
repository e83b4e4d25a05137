"""The leader lock and the leadership around it, on a real database.

Two :class:`Leadership` objects with locks of their own stand for two processes (each lock
holds its own PostgreSQL session, as two processes would). ``lead`` and ``step_down`` here
only record what happened: the scheduler and the sender they start in the bot are tested
end to end in ``tests/e2e/test_leader_processes.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.leadership import BECAME, STOPPED, WAITING, Leadership
from storage import advisory
from storage.leader import APPLICATION_NAME, LeaderLock
from tests import postgres


class Recorder:
    """Stands in for the leader's work: a list of what was started and stopped, and when."""

    def __init__(self, name: str, events: list[str]) -> None:
        self.name, self.events = name, events
        self.announced: list[str] = []

    async def lead(self) -> None:
        self.events.append(f"{self.name} leads")

    async def step_down(self) -> None:
        self.events.append(f"{self.name} steps down")

    def leadership(self, url: str) -> Leadership:
        return Leadership(
            LeaderLock(url),
            self.lead,
            self.step_down,
            announce=self.announced.append,
            retry=0.2,
            check_every=0.2,
        )


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_the_only_process_on_sqlite_leads_at_once(tmp_path: Path) -> None:
    events: list[str] = []
    one = Recorder("one", events)
    leadership = one.leadership(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    await leadership.start()
    try:
        await _until(lambda: leadership.leading)
        assert one.announced == [BECAME]
    finally:
        await leadership.stop()
    assert events == ["one leads", "one steps down"]
    assert one.announced == [BECAME, STOPPED]


@postgres.postgres_only("an advisory lock shared by several sessions")
async def test_one_leader_and_a_takeover_when_its_session_ends(db_url: str) -> None:
    events: list[str] = []
    first, second = Recorder("first", events), Recorder("second", events)
    a = first.leadership(db_url)
    await a.start()
    await _until(lambda: a.leading)
    b = second.leadership(db_url)
    await b.start()
    try:
        await _until(lambda: WAITING in second.announced)
        await asyncio.sleep(0.6)  # several tries: still one leader
        assert (a.leading, b.leading) == (True, False)
        assert events == ["first leads"]
        holder = await postgres.leader_session(db_url)
        assert holder is not None
        shown = "SELECT application_name FROM pg_stat_activity WHERE pid = $1"
        assert await postgres.admin_value(shown, holder) == APPLICATION_NAME

        # The server ends the leader's lock session (as when its process dies, or an
        # operator terminates it): the leader steps down, the other takes over.
        assert await postgres.admin_value("SELECT pg_terminate_backend($1)", holder)
        await _until(lambda: "first steps down" in events, timeout=10)
        await _until(lambda: b.leading or a.leading, timeout=10)
        # Whoever tries first wins (the first process reconnects and tries too): one leader.
        # The first one hears of the closed session at once; another may only just have
        # taken the free lock before that (the order of the two events is not fixed).
        assert events[0] == "first leads"
        assert sorted(events[1:3])[0] == "first steps down"
        assert first.announced[:2] == [BECAME, STOPPED]
        await asyncio.sleep(0.6)
        assert [a.leading, b.leading].count(True) == 1
        assert len(events) == 3
    finally:
        await b.stop()
        await a.stop()
    assert (
        await postgres.leader_session(db_url) is None
    )  # a stopping leader frees the lock at once


@postgres.postgres_only("an advisory lock shared by several sessions")
async def test_a_stopping_leader_hands_over_at_once(db_url: str) -> None:
    events: list[str] = []
    first, second = Recorder("first", events), Recorder("second", events)
    a, b = first.leadership(db_url), second.leadership(db_url)
    await a.start()
    await _until(lambda: a.leading)
    await b.start()
    await _until(lambda: WAITING in second.announced)
    await a.stop()
    try:
        await _until(lambda: b.leading, timeout=5)
    finally:
        await b.stop()
    assert events == ["first leads", "first steps down", "second leads", "second steps down"]


async def test_an_unreachable_database_makes_no_leader_and_no_noise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on port 1: the process is not the leader, says it cannot ask (once),
    does not claim another process leads, and stops cleanly."""
    events: list[str] = []
    lone = Recorder("lone", events)
    leadership = lone.leadership("postgresql+asyncpg://pembina@127.0.0.1:1/pembina")
    await leadership.start()
    try:
        await asyncio.sleep(0.7)  # a few more tries
        assert not leadership.leading
    finally:
        await leadership.stop()
    assert events == []
    assert lone.announced == []
    warnings = [r for r in caplog.records if "cannot ask the database" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize("objid", [advisory.LEADER, advisory.MIGRATE])
def test_keys_fit_the_two_int4_form(objid: int) -> None:
    key = advisory.key(objid)
    assert all(-(2**31) <= value < 2**31 for value in key.values())
