"""Buttons as flows describe them: a label and callback data, rows of them.

Handlers and the outbox sender turn these into Telegram keyboards; flows never build
Telegram objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str


Keyboard = list[list[Button]]


def from_json(stored: dict[str, Any] | None) -> Keyboard | None:
    if not stored:
        return None
    return [[Button(b["text"], b["data"]) for b in row] for row in stored["rows"]]
