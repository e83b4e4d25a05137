"""How a programme template's questions and milestone titles read: catalogue keys in the
reader's language, or a coordinator's own text as they typed it (escaped)."""

from __future__ import annotations

from typing import Any

from bot.i18n import Html, escape, plain, t


def question_text(question: dict[str, Any], language: str) -> Html:
    """A question as the person reads it (catalogue key or the coordinator's own text)."""
    if "key" in question:
        return t(language, question["key"])
    return escape(str(question.get("text", "")))


def milestone_title(title: str, language: str) -> Html:
    """Template titles are ``@catalogue.key``; a coordinator's own titles are plain text."""
    return t(language, title[1:]) if title.startswith("@") else escape(title)


def milestone_plain(title: str, language: str) -> str:
    """The same title as plain text (a button, a PDF): nothing escaped."""
    return plain(language, title[1:]) if title.startswith("@") else title
