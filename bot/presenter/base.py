"""What a rendered notice is, and the table of renderers by kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.flows.buttons import Keyboard


@dataclass(frozen=True, slots=True)
class Part:
    """One Telegram message of a notice: HTML text (a caption if the row carries media) and
    the buttons under it."""

    text: str
    keyboard: Keyboard | None = None


Params = Mapping[str, Any]
Renderer = Callable[[Params, str], list[Part]]
RENDERERS: dict[str, Renderer] = {}


def notice(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a notice kind (one per kind; kinds are ``family.name``)."""

    def register(render: Renderer) -> Renderer:
        if kind in RENDERERS:
            raise ValueError(f"notice kind {kind!r} registered twice")
        RENDERERS[kind] = render
        return render

    return register
