"""Shared fixtures: a migrated database and the flows' services with a controllable clock.

The database is a SQLite file per test, or, when ``PEMBINA_TEST_POSTGRES`` names a
PostgreSQL server (``.ci/postgres start`` prints one), a fresh PostgreSQL database per test.
Either way it is a copy of a template migrated once per test process (``tests/postgres.py``
for PostgreSQL): running twenty migrations costs about 0.2 s, a copy a millisecond.
"""

from __future__ import annotations

import asyncio
import compileall
import gc
import re
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from bot import event_loop
from bot.clock import FixedClock
from bot.flows.services import Services
from storage.db import Database
from storage.migrate import upgrade
from tests import postgres

REPO = Path(__file__).resolve().parents[1]
SPEC_PATH = REPO.parent / "shared" / "telegram-bot-api" / "api.min.json"
DEMO_ROSTER = REPO / "bot" / "demo" / "roster.csv"
START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # a Monday, 09:00 WIB


BACK_END_FIXTURES = frozenset({"db_url", "empty_db_url"})


def _back_end_free(item: pytest.Item) -> bool:
    """A test that never reaches the database under test: no fixture of the back end (the
    ``bot`` fixture and every ``db`` use ``db_url``) and not a PostgreSQL-only test."""
    if BACK_END_FIXTURES & set(getattr(item, "fixturenames", ())):
        return False
    return not any(
        "PostgreSQL only" in str(mark.kwargs.get("reason", ""))
        for mark in item.iter_markers("skipif")
    )


def _weight(item: pytest.Item) -> int:
    """How long a test takes, roughly: ``long`` (seconds to a minute), end-to-end (most take
    a second), the rest (milliseconds); a test skipped on this leg takes nothing."""
    if item.get_closest_marker("skip") is not None:
        return 0
    if any(mark.args[:1] == (True,) for mark in item.iter_markers("skipif")):
        return 0
    if item.get_closest_marker("long") is not None:
        return 3
    return 2 if item.nodeid.startswith("tests/e2e/") else 1


def _deal(items: list[pytest.Item], processes: int) -> None:
    """Order ``items`` for pytest-xdist's ``worksteal``: it gives each test process one
    contiguous share of the list, in order, then an idle process takes the back half of the
    longest queue left. So each share starts with its turn of the long tests, then
    end-to-end tests, then the quick ones at the back, where they are taken to even out the
    end. Sorted long-first as one list, every long test fell into the first share and one
    process ran them one after another (56 s) while a long test at the back of another
    share ended the run alone."""
    ordered = sorted(items, key=_weight, reverse=True)  # stable: file order within a weight
    items[:] = [item for share in range(processes) for item in ordered[share::processes]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests dealt out to the test processes longest first (:func:`_deal`).

    On the PostgreSQL leg, a test that never touches the database under test (text
    splitting, catalogues, the command line on its own SQLite file, the playground) would
    run exactly as on the SQLite leg: it is skipped there, saying so."""
    if postgres.SERVER is not None:
        same = pytest.mark.skip(
            reason="does not use the database under test: the SQLite leg runs it"
        )
        for item in items:
            if _back_end_free(item):
                item.add_marker(same)
    workerinput = getattr(config, "workerinput", {})  # set in a pytest-xdist test process
    _deal(items, int(workerinput.get("workercount", 1)))


def pytest_configure(config: pytest.Config) -> None:
    """Before pytest-xdist starts its test processes, this (controlling) process compiles
    the project once: on a fresh clone each of the five processes otherwise compiled every
    module and rewrote every test file's asserts itself, at the same time, about 1.7 s of
    CPU apiece. A current cache is left as it is."""
    if sys.dont_write_bytecode or hasattr(config, "workerinput"):
        return
    if not config.getoption("numprocesses", None):
        return
    for package in ("bot", "storage", "tests"):
        compileall.compile_dir(REPO / package, quiet=2, rx=re.compile(r"(test_\w+|conftest)\.py$"))
    _rewrite_ahead(config)


def _rewrite_ahead(config: pytest.Config) -> None:
    """Write the cached, assert-rewritten code of every test module and conftest as
    pytest's import hook would (its own functions, so the files are the same); with
    ``--assert=plain``, or a pytest whose internals moved, the test processes do it."""
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return
    needed = (
        "assertstate_key get_cache_dir PYC_TAIL try_makedirs _read_pyc _rewrite_test _write_pyc"
    )
    if config.getoption("assertmode") != "rewrite" or not all(
        hasattr(rewrite, name) for name in needed.split()
    ):
        return
    state = config.stash[rewrite.assertstate_key]
    for source in sorted((REPO / "tests").rglob("*.py")):
        if not (source.name == "conftest.py" or source.name.startswith("test_")):
            continue
        cache = rewrite.get_cache_dir(source)
        pyc = cache / (source.name[:-3] + rewrite.PYC_TAIL)
        try:
            if rewrite._read_pyc(source, pyc) is not None or not rewrite.try_makedirs(cache):
                continue
            source_hash, code = rewrite._rewrite_test(source, config)
            rewrite._write_pyc(state, code, source_hash, pyc)
        except (TypeError, ValueError):  # their signatures changed: the workers rewrite
            return


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported and collected so far lives as long as the test process: moved
    out of the garbage collector's sight (``gc.freeze``), so its full collections, which
    had walked those ~200 000 objects again and again, see only what the tests made.
    Reference counting still frees the tests' objects, and the collector still finds their
    cycles (and the unclosed resources they warn about); about a tenth of the suite's CPU
    went to the collector before."""
    gc.freeze()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every test runs on the event loop ``pembina`` runs on (uvloop's where installed):
    what the suite proves is what runs (``bot/event_loop.py``)."""
    return {"loop": event_loop.loop_factory()}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test process, every change in the file itself (the
    WAL checkpointed into it), so a plain copy is a migrated database."""
    path = tmp_path_factory.mktemp("template") / "pembina.db"
    postgres.run_apart(_migrate(f"sqlite+aiosqlite:///{path}"))  # a test's loop may be running
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where this test's data lives: a new, migrated database on the back end under test
    (a copy of this process's migrated template)."""
    if postgres.SERVER is None:
        path = tmp_path / "pembina.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    with postgres.fresh_database() as url:
        yield url


@pytest_asyncio.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
def svc(db: Database, clock: FixedClock) -> Services:
    return Services(
        db=db, clock=clock, admin_ids=frozenset({900}), bot_username="pembina_demo_bot"
    )
