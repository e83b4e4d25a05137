"""Long text is split below the limit on paragraph, sentence or word boundaries."""

from __future__ import annotations

from bot.text_split import pack, shorten, split_text, utf16_len, visible_len


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


def test_pack_counts_utf16_units_of_visible_text() -> None:
    blocks = ["<b>Judul</b>\n" + "🙂" * 1300 for _ in range(3)]
    messages = pack(blocks)
    assert len(messages) == 3  # len() would have put all three (3 900) in one message
    assert all(visible_len(m) <= 4096 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)


def test_visible_len_ignores_tags_and_counts_entities_once() -> None:
    assert visible_len("<b>a &amp; b</b>") == 5
    assert visible_len("🙂") == 2


def test_shorten_keeps_within_limit() -> None:
    assert shorten("pendek", 10) == "pendek"
    cut = shorten("kata " * 500, 100)
    assert utf16_len(cut) <= 100
    assert cut.endswith("…")
