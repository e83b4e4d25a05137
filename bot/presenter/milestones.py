"""Milestone notices: a mentor asked to confirm one, a mentee told the outcome."""

from __future__ import annotations

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.i18n import Html, t
from bot.presenter.base import Params, Part, notice
from bot.presenter.templates import milestone_title


def answer_buttons(language: str, mark_id: int, round_: int) -> Keyboard:
    """Confirm, or not yet: one press each; the round makes an older ask's buttons stale."""
    return [
        [
            Button(
                t(language, "milestones.confirm"), callbacks.encode("ms", "ok", mark_id, round_)
            ),
            Button(
                t(language, "milestones.not_yet"), callbacks.encode("ms", "no", mark_id, round_)
            ),
        ]
    ]


def asked(params: Params, language: str) -> Html:
    """The question to the mentor (also shown again above their answer)."""
    return t(
        language,
        "milestones.please_confirm",
        mentee=params["mentee"],
        programme=params["programme"],
        title=milestone_title(params["title"], language),
    )


@notice("milestone.please_confirm")
def please_confirm(params: Params, language: str) -> list[Part]:
    """To the mentee's active mentor; params: mark_id, round, mentee, programme, title."""
    buttons = answer_buttons(language, params["mark_id"], params["round"])
    return [Part(asked(params, language), buttons)]


def _told(key: str, params: Params, language: str) -> list[Part]:
    title = milestone_title(params["title"], language)
    return [
        Part(t(language, key, mentor=params["mentor"], programme=params["programme"], title=title))
    ]


@notice("milestone.confirmed")
def confirmed(params: Params, language: str) -> list[Part]:
    """To the mentee; params: mentor, programme, title."""
    return _told("milestones.told_confirmed", params, language)


@notice("milestone.not_yet")
def not_yet(params: Params, language: str) -> list[Part]:
    """To the mentee; params: mentor, programme, title."""
    return _told("milestones.told_not_yet", params, language)
