"""The Dockerfile and compose.yaml, checked as far as this machine can: read as text (no
Docker daemon, no compose plugin, no YAML parser among the dependencies here). What each
check guards against is a deployment that starts but is wrong: a setting misspelt (silently
ignored by pydantic-settings), a worker without the secret, a root container."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bot.config import Settings
from tests.conftest import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = (REPO / "compose.yaml").read_text(encoding="utf-8")
# Variables read by compose or by the image's shell command, not by pembina's settings.
NOT_SETTINGS = {"PEMBINA_WORKERS", "PEMBINA_WEBHOOK_URL", "POSTGRES_PASSWORD"}


def _instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in DOCKERFILE.splitlines() if line.startswith(name)]


def test_the_image_is_slim_installed_and_not_root() -> None:
    assert _instructions("FROM ") == ["python:3.11-slim"]
    assert any("pip install ." in run for run in _instructions("RUN "))
    users = _instructions("USER ")
    assert users
    assert users[-1] not in ("root", "0")
    for copy in _instructions("COPY "):
        *sources, _target = copy.split()
        assert all((REPO / source).exists() for source in sources), copy
    (command,) = _instructions("CMD ")
    assert "pembina run --webhook" in command
    assert "exec pembina" in command  # PID 1 gets SIGTERM and stops cleanly
    healthcheck = DOCKERFILE.split("HEALTHCHECK", 1)[1].split("\n\n", 1)[0]
    assert "/readyz" in healthcheck


def test_no_secret_or_database_goes_into_the_image() -> None:
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "*.db", ".git", ".venv"} <= set(ignored)


def test_compose_names_only_real_settings() -> None:
    names = set(re.findall(r"\b((?:PEMBINA|TELEGRAM)_[A-Z_]+|DATABASE_URL)\b", COMPOSE))
    settings = {field.upper() for field in Settings.model_fields}
    assert names - NOT_SETTINGS <= settings, sorted(names - NOT_SETTINGS - settings)
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "PEMBINA_WEBHOOK_SECRET"} <= names


def test_compose_migrates_once_before_the_workers() -> None:
    services = _top_level_blocks(COMPOSE, "services")
    assert {"postgres", "migrate", "worker"} <= set(services)
    assert 'command: ["pembina", "migrate"]' in services["migrate"]
    assert "image: postgres:15" in services["postgres"]
    worker = services["worker"]
    assert re.search(r"migrate:\s+condition: service_completed_successfully", worker)
    assert "replicas: ${PEMBINA_WORKERS:-3}" in worker
    # required values fail the start loudly instead of running without them
    assert "${PEMBINA_WEBHOOK_SECRET:?" in COMPOSE
    assert "${PEMBINA_WEBHOOK_URL:?" in worker


def test_compose_config_when_docker_compose_is_here() -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker client on this machine")
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here")
    env = {
        "TELEGRAM_BOT_TOKEN": "1:x",
        "POSTGRES_PASSWORD": "pw",
        "PEMBINA_WEBHOOK_SECRET": "s",
        "PEMBINA_WEBHOOK_URL": "https://bot.example.go.id/telegram",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    result = subprocess.run(
        ["docker", "compose", "-f", str(REPO / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _top_level_blocks(text: str, section: str) -> dict[str, str]:
    """The text of each entry under a top-level ``section:`` (two-space indented keys)."""
    blocks: dict[str, str] = {}
    inside, current = False, None
    for line in text.splitlines():
        if not line.startswith(" ") and line.strip():
            inside = line.startswith(f"{section}:")
            current = None
            continue
        if not inside:
            continue
        match = re.match(r"^  ([a-z][a-z0-9_-]*):\s*$", line)
        if match:
            current = match.group(1)
            blocks[current] = ""
        elif current is not None:
            blocks[current] += line + "\n"
    return blocks
