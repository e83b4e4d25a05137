"""Splitting long text below Telegram's 4096-character message limit on natural boundaries.

Telegram counts UTF-16 code units after entity parsing. We split *plain* text (before it is
escaped and wrapped in markup), preferring paragraph breaks, then line breaks, then sentence
ends, then spaces, and only as a last resort the middle of a word.
"""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_point(text: str, limit: int) -> int:
    """Index in ``text`` at which to end a chunk of at most ``limit`` UTF-16 units."""
    end = len(text)
    while utf16_len(text[:end]) > limit:
        end = max(1, end - max(1, (utf16_len(text[:end]) - limit)))
    window = text[:end]
    for separator in ("\n\n", "\n"):
        index = window.rfind(separator)
        if index > end // 3:
            return index + len(separator)
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if sentence_ends and sentence_ends[-1] > end // 3:
        return sentence_ends[-1] + 1
    space = window.rfind(" ")
    if space > end // 3:
        return space + 1
    if end < len(text) and 0xDC00 <= ord(text[end]) <= 0xDFFF:  # never split a surrogate pair
        end -= 1
    return end


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Chunks of ``text``, each at most ``limit`` UTF-16 units, joined they give ``text`` back
    (up to the whitespace at the cuts)."""
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks
