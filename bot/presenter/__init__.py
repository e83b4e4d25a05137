"""The presenter: the one place a queued notice becomes Telegram messages, when it is sent.

Flows queue messages to *other* people (a mentor's copy of a reflection, review notices,
offers, digests) as outbox rows carrying a notice ``kind`` and JSON ``params`` (the facts:
names, ids, answers; never wording or button data). The outbox sender calls :func:`render`
just before sending, in the recipient's language as it is then, so a catalogue fix reaches
notices already queued, and a long notice is cut by the one splitter
(``bot.text_split``) into as many parts as Telegram needs. Only this package (and
handlers) put catalogue text and callback data together; flows import neither.

Each family lives in its own module and registers its kinds with :func:`notice`.
"""

from __future__ import annotations

from bot.presenter import digest as _digest  # noqa: F401
from bot.presenter import join as _join  # noqa: F401
from bot.presenter import milestones as _milestones  # noqa: F401
from bot.presenter import nudges as _nudges  # noqa: F401
from bot.presenter import pairing as _pairing  # noqa: F401
from bot.presenter import privacy as _privacy  # noqa: F401
from bot.presenter import reflection as _reflection  # noqa: F401  (registers its kinds)
from bot.presenter import review as _review  # noqa: F401
from bot.presenter import sessions as _sessions  # noqa: F401
from bot.presenter.base import RENDERERS, Params, Part, chart_png, notice

__all__ = ["Params", "Part", "chart_png", "notice", "render"]


def render(kind: str, params: Params, language: str) -> list[Part]:
    """The messages of one notice, in ``language``; a kind nobody knows is a bug (the
    sender fails that row with the reason and goes on)."""
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise KeyError(f"no renderer for notice kind {kind!r}")
    parts = renderer(params, language)
    if not parts:
        raise ValueError(f"notice kind {kind!r} rendered nothing")
    return parts
