"""Every notice kind renders in both languages within Telegram's limits (that flows do
not word notices themselves is checked in tests/test_layering.py)."""

from __future__ import annotations

from string import Formatter

import pytest

from bot import presenter
from bot.i18n import catalogue
from bot.text_split import CAPTION_LIMIT, TELEGRAM_LIMIT, visible_len


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
    "milestone.please_confirm": {
        "mark_id": 12,
        "round": 2,
        "mentee": "Budi <Santoso>",
        "programme": "P",
        "title": "@milestone.perubahan.design",
    },
    **{
        f"milestone.{outcome}": {"mentor": "Rina", "programme": "P", "title": "Laporan <akhir>"}
        for outcome in ("confirmed", "not_yet")
    },
    **{
        f"session.disputed_{to}": {
            "who": "Rina",
            "logger": "Budi",
            "day": "2027-01-05",
            "minutes": 60,
            "topic": "<T>",
        }
        for to in ("logger", "coordinator")
    },
    "digest.supervisor": {
        "title": "Bidang <Mutasi>",
        "lines": [
            {
                "name": f"Pegawai {n}",
                "unit": f"Bidang {n % 3}",
                "programme": "Perubahan 2027",
                "week": [("open", "done", "paused")[n % 3], "2026-12-11"],
                "last_week": [("late", "missed", "not_owed")[n % 3], "2026-12-04"],
                "tally": [n % 3 != 2, n % 3 == 0],
                "paused_until": "2026-12-20" if n % 3 == 2 else None,
                "streak": 3,
                "pending": 1,
                "waiting_days": 8,
                "last_session": "2026-12-01" if n % 3 else None,
                "jp": 12.5,
                "flags": ["missed", "review"],
                "milestones": [n % 4, 3],
            }
            for n in range(60)
        ],
    },
    "digest.chart": {"unit": "Bidang", "points": [["2026-12-07", 3, 4]]},
    "digest.coordinator": {
        "units": [[f"Unit {n}", n, 40] for n in range(200)],
        "busiest": [["Rina", 4]],
        "ratings": [[f"Mentor {n}", 2.5 + n / 100, 4, n % 2] for n in range(40)],
        "unmatched": [],
        "unreachable": ["Budi"],
    },
    "pair.end_requested": {
        "pairing_id": 3,
        "who": "Budi",
        "mentor": "Rina",
        "mentee": "Budi",
        "reason": "mismatch",
    },
    "pair.ended_party": {"other": "Rina", "programme": "P", "reason": "done"},
    "privacy.erase_request": {"request_id": 99999999, "name": "N" * 200, "unit": "U" * 200},
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
