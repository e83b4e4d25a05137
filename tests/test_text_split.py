"""Long text is split below the limit on paragraph, sentence or word boundaries."""

from __future__ import annotations

from bot.text_split import split_text, utf16_len


def test_short_text_is_one_chunk() -> None:
    assert split_text("halo") == ["halo"]
    assert split_text("") == [""]


def test_paragraphs_are_preferred() -> None:
    text = ("a" * 3000) + "\n\n" + ("b" * 3000)
    assert split_text(text) == ["a" * 3000, "b" * 3000]


def test_sentences_then_words() -> None:
    sentence = "Saya belajar banyak hal minggu ini. "
    text = sentence * 300  # about 10 800 characters, no newlines
    chunks = split_text(text)
    assert all(utf16_len(c) <= 4096 for c in chunks)
    assert all(c.endswith(".") for c in chunks[:-1])
    assert " ".join(chunks).split() == text.split()


def test_emoji_count_double_and_are_never_cut() -> None:
    text = "😀" * 5000  # 10 000 UTF-16 units, no spaces at all
    chunks = split_text(text)
    assert all(utf16_len(c) <= 4096 for c in chunks)
    assert "".join(chunks) == text
