"""What a rendered notice is, and the table of renderers by kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.flows.buttons import Keyboard
from bot.i18n import t
from bot.text_split import pack


@dataclass(frozen=True, slots=True)
class Part:
    """One Telegram message of a notice: HTML text (a caption if the row carries media, or
    under a ``chart`` the sender draws) and the buttons under it."""

    text: str
    keyboard: Keyboard | None = None
    chart: dict[str, Any] | None = None  # figures of a chart to draw and send as a photo


def chart_png(figures: Mapping[str, Any]) -> bytes:
    """The PNG of a part's ``chart`` (call it in a worker thread: drawing takes tens of
    milliseconds). ``bot.chart`` is imported here, with the first chart a process draws:
    matplotlib at every start cost each ``pembina`` command about 0.2 s."""
    from bot import chart

    return chart.png_from_figures(figures)


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


def worded(*keys: str) -> None:
    """Register notices that are one catalogue message each: the kind is the catalogue key
    and the params are its values (names, counts; each escaped by ``t``)."""
    for key in keys:

        def render(params: Params, language: str, key: str = key) -> list[Part]:
            return [Part(text) for text in pack([t(language, key, **params)])]

        notice(key)(render)
