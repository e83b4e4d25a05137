"""The layering promised in docs/architecture.md, checked on the source itself.

A flow that imports ``telegram`` or a storage module that reaches into ``bot`` would still
run, so nothing else would notice; reading every module's imports does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, absolute names, at any depth (inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offending(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    """``file: module`` for each import under ``folder`` of a forbidden package."""
    found = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for name in sorted(imported_modules(path)):
            hit = any(name == f or name.startswith(f + ".") for f in forbidden)
            exempt = any(name == a or name.startswith(a + ".") for a in allowed)
            if hit and not exempt:
                found.append(f"{path.relative_to(REPO)}: {name}")
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden", "allowed"),
    [
        ("bot/flows", ("telegram",), ()),
        ("storage", ("bot",), ()),
        ("bot/telegram_double", ("bot", "storage"), ("bot.telegram_double",)),
    ],
    ids=["flows-no-telegram", "storage-no-bot", "double-self-contained"],
)
def test_layer_imports(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    assert (REPO / folder).is_dir(), f"{folder} named in docs/architecture.md does not exist"
    assert offending(folder, forbidden, allowed) == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The walker finds imports in every form, so an empty list above means something."""
    module = tmp_path / "m.py"
    module.write_text(
        "import telegram.ext\nfrom telegram import Update\ndef f():\n    import bot.app\n",
        encoding="utf-8",
    )
    names = imported_modules(module)
    assert {"telegram.ext", "telegram", "telegram.Update", "bot.app"} <= names


def test_architecture_names_the_folders_that_exist() -> None:
    """Every ``bot/...`` or ``storage/...`` path in the architecture doc is real."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = {p.rstrip(".,)*") for p in _backticked(text) if p.startswith(("bot/", "storage/"))}
    missing = sorted(p for p in paths if not any(REPO.glob(p.rstrip("/"))))
    assert missing == []


def _backticked(text: str) -> list[str]:
    parts = text.split("`")
    return [parts[i] for i in range(1, len(parts), 2)]
