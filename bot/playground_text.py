"""Showing Telegram HTML in a terminal: bold stays bold, tags go, entities are unescaped."""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"</?(b|strong)>")
_TAG = re.compile(r"<[^>]+>")


def to_terminal(text_html: str, *, colour: bool) -> str:
    """Render a message's HTML for a terminal (ANSI bold when ``colour``)."""
    if colour:
        text_html = _BOLD.sub(
            lambda m: "\x1b[0m" if m.group(0).startswith("</") else "\x1b[1m", text_html
        )
    return html.unescape(_TAG.sub("", text_html))
