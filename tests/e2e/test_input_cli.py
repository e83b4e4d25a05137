"""The command line as an operator meets it: a bad DATABASE_URL, --help in the bot's
language, --version, a closed pipe, and plain words from ``jobs tick``.

Most commands run ``main`` in this process (``tests/cli_runner.py``); real processes where
the process is the point: the installed ``pembina`` script, ``python -m bot`` writing into
a closed pipe, and asyncpg hidden from ``sys.modules`` before anything imports it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli import _database_problem
from tests.conftest import REPO
from tests.test_cli import _env, _pembina


def _one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:////no/such/folder/pembina.db", "unable to open database file"),
        # uvloop words a refused connection as the system does; asyncio's own loop says
        # "Connect call failed" (bot/event_loop.py: the commands run on uvloop's)
        ("postgresql+asyncpg://pembina:rahasia@127.0.0.1:1/pembina", "Connection refused"),
    ],
)
def test_unreachable_database_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    result = _pembina(tmp_path, "migrate", DATABASE_URL=url)
    line = _one_clean_line(result)
    assert line.startswith("Basis data ")
    assert expected in line
    assert "Periksa DATABASE_URL" in line
    assert "rahasia" not in line  # the password is masked


def test_probe_of_a_missing_sqlite_folder_leaves_no_thread_to_fail() -> None:
    """The probe ran through aiosqlite, whose worker thread, after a failed connect, often
    finished after ``asyncio.run`` had closed the loop and printed "Event loop is closed"
    under the one clear line (half of 40 runs before the fix; once in CI)."""
    errors: list[BaseException | None] = []
    before = set(threading.enumerate())
    hook = threading.excepthook
    threading.excepthook = lambda args: errors.append(args.exc_value)
    try:
        for _ in range(20):
            problem = asyncio.run(_database_problem("sqlite+aiosqlite:////no/such/dir/p.db", "id"))
            assert problem == "unable to open database file"
        for thread in set(threading.enumerate()) - before:
            thread.join(timeout=5)
    finally:
        threading.excepthook = hook
    assert errors == []


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://pembina:rahasia@db.example:port/pembina",
        "sqlite+aiosqlite://host:notaport/pembina.db",
    ],
)
def test_malformed_database_url_is_one_line(tmp_path: Path, url: str) -> None:
    line = _one_clean_line(_pembina(tmp_path, "program", "list", DATABASE_URL=url))
    assert line.startswith("Pengaturan DATABASE_URL tidak valid: URL basis data tidak dapat")


def test_missing_driver_is_one_line(tmp_path: Path) -> None:
    """As on an install without asyncpg: the setting names the driver to install."""
    code = (
        "import sys; sys.modules['asyncpg'] = None; from bot.cli import main; "
        "sys.exit(main(['migrate']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(
            tmp_path,
            DATABASE_URL="postgresql+asyncpg://u:p@localhost/pembina",
            PEMBINA_LANGUAGE="en",
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = _one_clean_line(result)
    assert line == (
        "Setting DATABASE_URL is invalid: the driver asyncpg is not installed "
        "(pip install asyncpg)"
    )


def test_asyncpg_is_a_dependency() -> None:
    """PostgreSQL is supported, so its driver is installed with the project."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("asyncpg") for dep in project["dependencies"])


def test_help_speaks_the_language_of_the_output(tmp_path: Path) -> None:
    indonesian = _pembina(tmp_path, "program", "create", "--help")
    assert indonesian.returncode == 0
    assert indonesian.stdout.startswith("cara pakai: pembina program create")
    assert "tampilkan bantuan ini lalu keluar" in indonesian.stdout
    assert "hari refleksi mingguan" in indonesian.stdout
    for english_word in ("usage:", "options:", "show this help", "weekly reflection day"):
        assert english_word not in indonesian.stdout
    english = _pembina(tmp_path, "program", "create", "--help", PEMBINA_LANGUAGE="en")
    assert english.stdout.startswith("usage: pembina program create")
    assert "weekly reflection day" in english.stdout
    top = _pembina(tmp_path, "--help")
    assert "PERINTAH" in top.stdout
    assert "jalankan bot" in top.stdout
    missing = _pembina(tmp_path, "program")
    assert missing.returncode == 2
    assert "pembina program: kesalahan:" in missing.stderr


def test_version_from_the_installed_pembina_command(tmp_path: Path) -> None:
    """The ``pembina`` script the install puts beside Python is the command line (the other
    tests call its ``main`` in this process; ``python -m bot`` is started below)."""
    script = Path(sys.executable).parent / "pembina"
    result = subprocess.run(
        [str(script), "--version"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"pembina {metadata.version('pembina')}"


@pytest.mark.parametrize("args", [["--help"], ["program", "list"], ["outbox", "status"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    """``pembina ... | head -1``: the reader is gone before the command writes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()  # as head does after its line
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert err == ""


def test_jobs_tick_speaks_plainly(tmp_path: Path) -> None:
    result = _pembina(tmp_path, "jobs", "tick", "--at", "2026-12-07T09:00+07:00")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Pekerjaan terjadwal yang dijalankan untuk 07-12-2026 09:00 +0700:"
    assert "  Pengingat refleksi yang diantrekan: 0" in lines
    assert (
        "  Pesan masuk yang sudah ditangani lebih dari 7 hari yang dihapus dari kotak masuk: 0"
        in lines
    )
    assert "tidak mengirim apa pun" in result.stdout  # the running bot sends
    for jargon in ("Id pembaruan", "update id", "`", "outbox", "dibuang"):
        assert jargon not in result.stdout


def test_argument_errors_are_worded_in_the_language(tmp_path: Path) -> None:
    """argparse words its errors in English; they follow PEMBINA_LANGUAGE like the rest
    (found by hand: "kesalahan: argument PERINTAH: invalid choice: 'bogus' ...")."""
    cases = {
        ("bogus",): "PERINTAH tidak mengenal 'bogus' (pilihan: 'run', ",
        ("migrate", "--oops"): "argumen tidak dikenal: --oops",
        ("program",): "argumen berikut wajib diisi: TINDAKAN",
        ("export", "ledger", "--year", "abc"): "nilai 'abc' untuk --year tidak sah",
    }
    for argv, expected in cases.items():
        result = _pembina(tmp_path, *argv)
        assert result.returncode == 2
        assert expected in result.stderr, result.stderr
        for english in ("invalid choice", "unrecognized", "required", "invalid"):
            assert english not in result.stderr, result.stderr
    english = _pembina(tmp_path, "bogus", PEMBINA_LANGUAGE="en")
    assert "COMMAND does not know 'bogus' (choose from 'run', " in english.stderr
