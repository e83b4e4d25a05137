"""Programme kinds as templates: the reflection questions and milestones each starts with.

``latsar``: Latihan Dasar CPNS habituation (about 30 working days); the mentee's direct
supervisor mentors by default. ``perubahan``: a PKA/PKP/PKN change project with milestones.
``umum``: general mentoring. Questions and milestone titles are catalogue keys (so each
person reads them in their language) until a coordinator replaces them with their own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HOURS = "hours"


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    questions: tuple[dict[str, Any], ...]
    milestones: tuple[tuple[str, int | None], ...]  # (catalogue key, days after start | end)
    supervisor_first: bool


def _q(key: str, kind: str = "text") -> dict[str, Any]:
    return {"key": f"reflect.q.{key}", "kind": kind}


_COMMON_TAIL = (_q("learned"), _q("obstacles"), _q("next"), _q("hours", HOURS))

TEMPLATES: dict[str, Template] = {
    "latsar": Template(
        kind="latsar",
        questions=(_q("done_latsar"), *_COMMON_TAIL),
        milestones=(
            ("milestone.latsar.plan", 7),
            ("milestone.latsar.habituation", 35),
            ("milestone.latsar.report", None),
        ),
        supervisor_first=True,
    ),
    "perubahan": Template(
        kind="perubahan",
        questions=(_q("done_project"), *_COMMON_TAIL),
        milestones=(
            ("milestone.perubahan.design", 14),
            ("milestone.perubahan.short_term", 60),
            ("milestone.perubahan.final", None),
        ),
        supervisor_first=False,
    ),
    "umum": Template(
        kind="umum",
        questions=(_q("done"), *_COMMON_TAIL),
        milestones=(),
        supervisor_first=False,
    ),
}
KINDS = tuple(TEMPLATES)
