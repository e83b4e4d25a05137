"""Whether typed text shows anything: text made only of invisible characters is empty.

``str.strip()`` removes spaces, but not the characters people (and spammers) use to send a
message that looks blank: U+200B zero width space, U+3164 Hangul filler, U+2800 braille blank
and their kin. A name, answer or comment made only of those would be saved and shown to
someone else as nothing, so every text input path asks :func:`visible_or_empty` first.
"""

from __future__ import annotations

import unicodedata

# Control, format (zero width, direction marks, BOM, soft hyphen), surrogates, separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# Unicode's Default_Ignorable_Code_Point ranges (drawn as nothing whatever their category)
# plus letters and symbols that are drawn as a blank: Hangul fillers, the braille blank,
# the musical null notehead.
_BLANK_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D159, 0x1D159),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def is_visible(char: str) -> bool:
    """Whether one character leaves a mark on the screen."""
    point = ord(char)
    if any(low <= point <= high for low, high in _BLANK_RANGES):
        return False
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def has_visible(text: str) -> bool:
    """Whether a person would see anything at all in ``text``."""
    return any(is_visible(char) for char in text)


def visible_or_empty(text: str) -> str:
    """``text`` stripped of surrounding white space, or "" when nothing in it is visible,
    so the caller's usual "empty" check refuses a blank-looking answer."""
    return text.strip() if has_visible(text) else ""
