"""Flows that queue messages to other people queue notices (kind + facts); only the
presenter words them. These flows import neither the catalogues nor the button codec."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from bot import presenter

CONVERTED = ("bot.flows.reflection", "bot.flows.review")
WORDING = ("bot.i18n", "bot.callbacks", "bot.presenter")


def _imports(module: str) -> set[str]:
    source = Path(importlib.import_module(module).__file__ or "").read_text(encoding="utf-8")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("module", CONVERTED)
def test_converted_flows_do_not_word_their_notices(module: str) -> None:
    imported = _imports(module)
    assert not {name for name in imported if name.startswith(WORDING)}


def test_an_unknown_notice_kind_is_refused() -> None:
    assert "reflection.copy" in presenter.base.RENDERERS
    with pytest.raises(KeyError):
        presenter.render("no.such_kind", {}, "id")
