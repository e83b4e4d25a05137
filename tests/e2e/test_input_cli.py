"""The command line as an operator meets it: a bad DATABASE_URL, --help in the bot's
language, --version, a closed pipe, and plain words from ``jobs tick``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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
        ("postgresql+asyncpg://pembina:rahasia@127.0.0.1:1/pembina", "Connect call failed"),
    ],
)
def test_unreachable_database_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    result = _pembina(tmp_path, "migrate", DATABASE_URL=url)
    line = _one_clean_line(result)
    assert line.startswith("Basis data ")
    assert expected in line
    assert "Periksa DATABASE_URL" in line
    assert "rahasia" not in line  # the password is masked


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://pembina:rahasia@db.example:port/pembina",
        "sqlite+aiosqlite://host:notaport/pembina.db",
    ],
)
def test_malformed_database_url_is_one_line(tmp_path: Path, url: str) -> None:
    line = _one_clean_line(_pembina(tmp_path, "program", "list", DATABASE_URL=url))
    assert line.startswith("Setting DATABASE_URL is invalid: not a readable database URL")


def test_missing_driver_is_one_line(tmp_path: Path) -> None:
    """As on an install without asyncpg: the setting names the driver to install."""
    code = (
        "import sys; sys.modules['asyncpg'] = None; from bot.cli import main; "
        "sys.exit(main(['migrate']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(tmp_path, DATABASE_URL="postgresql+asyncpg://u:p@localhost/pembina"),
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
