"""What a mentor's review tells the mentee: approved, a comment, or a revision request."""

from __future__ import annotations

from datetime import date

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.i18n import Html, escape, t
from bot.presenter.base import Params, Part, notice
from bot.presenter.reflection import week_of
from bot.text_split import split_text

COMMENT_PIECE = 3000  # UTF-16 units of the comment in one message, with the wording around it


def fix_now(language: str, params: Params) -> Keyboard:
    """Opens the very reflection sent back: by Monday its week is no longer the current one."""
    data = callbacks.encode("rf", "fix", params["reflection_id"])
    return [[Button(t(language, "review.fix_now"), data)]]


def _review(key: str, params: Params, language: str, buttons: Keyboard | None) -> list[Part]:
    """The catalogue message ``key``; a long comment goes on in further messages."""
    pieces = split_text(str(params.get("comment") or ""), COMMENT_PIECE)
    texts = [
        t(
            language,
            key,
            week=week_of(date.fromisoformat(params["week_start"]), language),
            programme=params["programme"],
            mentor=params["mentor"],
            comment=pieces[0],
        ),
        *(Html(f"<i>{escape(piece)}</i>") for piece in pieces[1:]),
    ]
    last = len(texts) - 1
    return [Part(text, buttons if i == last else None) for i, text in enumerate(texts)]


@notice("review.approved")
def approved(params: Params, language: str) -> list[Part]:
    """params (every review notice): reflection_id, version, programme_id, programme,
    week_start (ISO date), mentor (name), comment (empty when approving)."""
    return _review("review.approved_mentee", params, language, None)


@notice("review.comment")
def comment(params: Params, language: str) -> list[Part]:
    return _review("review.comment_mentee", params, language, None)


@notice("review.revision")
def revision(params: Params, language: str) -> list[Part]:
    return _review("review.revision_mentee", params, language, fix_now(language, params))
