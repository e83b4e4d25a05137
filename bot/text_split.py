"""The one place long text is cut to Telegram's limits, counted as Telegram counts them.

Telegram counts UTF-16 code units of the *visible* text (after HTML tags and entities are
parsed): an emoji is two units, so ``len()`` under-counts and a message that "fits" by
``len()`` is refused. Every path that sends text which can grow (a reflection and its
mentor's copy, digests, lists) goes through here:

- :func:`split_text` cuts *plain* text (before it is escaped and wrapped in markup),
  preferring paragraph breaks, then line breaks, then sentence ends, then spaces, and only
  as a last resort the middle of a word;
- :func:`pack` gathers whole HTML blocks (each one well-formed) into as few messages as
  fit, so markup is never cut;
- :func:`shorten` trims plain text to a limit (a caption inside a caption).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape

TELEGRAM_LIMIT = 4096
CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]*>")
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


def visible_len(html: str) -> int:
    """UTF-16 units Telegram counts for an HTML message: tags gone, entities one character."""
    return utf16_len(unescape(_TAG.sub("", html)))


def pack(blocks: Iterable[str], limit: int = TELEGRAM_LIMIT, separator: str = "\n\n") -> list[str]:
    """Whole HTML ``blocks`` joined by ``separator`` into messages of at most ``limit``
    visible UTF-16 units each; always at least one message.

    Callers keep each block below the limit (a long answer is cut with :func:`split_text`
    before it is escaped). A block that is too long anyway is cut as raw text, which may
    break its markup; Telegram would refuse it whole, so this is the lesser harm.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        pieces = [block] if visible_len(block) <= limit else split_text(block, limit)
        for piece in pieces:
            joined = f"{current}{separator}{piece}" if current else piece
            if current and visible_len(joined) > limit:
                messages.append(current)
                current = piece
            else:
                current = joined
    messages.append(current)
    return messages


def shorten(text: str, limit: int) -> str:
    """Plain ``text`` cut to at most ``limit`` UTF-16 units, with an ellipsis if cut."""
    if utf16_len(text) <= limit:
        return text
    return split_text(text, max(1, limit - 1))[0] + "…"
