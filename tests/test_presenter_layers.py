"""Flows that queue messages to other people queue notices (kind + facts); only the
presenter words them. These flows import neither the catalogues nor the button codec."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from string import Formatter

import pytest

from bot import presenter
from bot.i18n import catalogue
from bot.text_split import CAPTION_LIMIT, TELEGRAM_LIMIT, visible_len

CONVERTED = (
    "bot.flows.reflection",
    "bot.flows.review",
    "bot.flows.pairing",
    "bot.flows.registration",
    "bot.flows.join_requests",
    "bot.flows.reachability",
    "bot.flows.nudges",
    "bot.flows.sessions",
    "bot.flows.digest",
)
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


SAMPLES: dict[str, dict[str, object]] = {
    "reflection.copy": {
        "reflection_id": 1,
        "version": 2,
        "mentee": "Budi <Santoso>",
        "programme": "Perubahan",
        "week_start": "2026-12-07",
        "late": True,
        "questions": [{"key": "reflect.q.done"}, {"kind": "hours", "key": "reflect.q.hours"}],
        "answers": {"0": "🙂" * 3000, "1": "1 jam"},
        "minutes": 60,
    },
    "reflection.evidence": {"number": 1, "mentee": "Budi", "caption": "x" * 2000},
    "pair.offer": {"pairing_id": 3, "mentee": "Budi", "unit": "-", "programme": "P", "hours": 48},
    "join.request": {
        "request_id": 4,
        "name": "Eko",
        "nip": "1990",
        "unit": "U",
        "roster_name": "",
    },
    "join.approved": {"name": "Eko", "role": "mentee"},
    "join.rejected": {"name": "Eko"},
    "nudge.reflection_due": {"programme_id": 1, "programme": "P", "week_start": "2026-12-07"},
    "nudge.reflection_reminder": {"programme_id": 1, "programme": "P", "week_start": "2026-12-07"},
    "nudge.review": {"count": 6, "waiting": [{"reflection_id": 1, "mentee": "B", "days": 3}]},
    "nudge.offer": {"pairing_id": 2, "mentee": "Budi"},
    "nudge.milestone": {"title": "@milestone.latsar.plan", "programme": "P", "due": "2027-01-05"},
    "session.please_confirm": {
        "session_id": 1,
        "who": "Rina",
        "day": "2026-12-08",
        "minutes": 60,
        "topic": "T",
        "mode": "online",
    },
    "session.rate": {"session_id": 1, "topic": "T"},
    "digest.supervisor": {
        "title": "Bidang <Mutasi>",
        "lines": [
            {
                "name": f"Pegawai {n}",
                "programme": "Perubahan 2027",
                "week": n % 2 == 0,
                "last_week": True,
                "streak": 3,
                "pending": 1,
                "waiting_days": 8,
                "last_session": "2026-12-01" if n % 3 else None,
                "jp": 12.5,
                "flags": ["missed", "review"],
            }
            for n in range(60)
        ],
    },
    "digest.chart": {"unit": "Bidang", "points": [["2026-12-07", 3, 4]]},
    "digest.coordinator": {
        "units": [[f"Unit {n}", n, 40] for n in range(200)],
        "busiest": [["Rina", 4]],
        "unmatched": [],
        "unreachable": ["Budi"],
    },
    "pair.end_requested": {"pairing_id": 3, "who": "Budi", "mentor": "Rina", "mentee": "Budi"},
}
for _kind in ("review.approved", "review.comment", "review.revision"):
    SAMPLES[_kind] = {
        "reflection_id": 1,
        "version": 1,
        "programme_id": 1,
        "programme": "P",
        "week_start": "2026-12-07",
        "mentor": "Rina",
        "comment": "🙂" * 3000,
    }


def _sample(kind: str) -> dict[str, object]:
    """Given params, or (a catalogue-worded kind) every placeholder of its message."""
    if kind in SAMPLES:
        return SAMPLES[kind]
    fields = {f for _, f, _, _ in Formatter().parse(catalogue("id")[kind]) if f}
    return {f: f"<{f}>" for f in fields}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("kind", sorted(presenter.base.RENDERERS))
def test_every_notice_kind_renders_within_telegram_limits(kind: str, language: str) -> None:
    parts = presenter.render(kind, _sample(kind), language)
    limit = CAPTION_LIMIT if kind in ("reflection.evidence", "digest.chart") else TELEGRAM_LIMIT
    assert all(0 < visible_len(p.text) <= limit for p in parts)
