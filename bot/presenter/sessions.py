"""Mentoring-session notices: confirm a logged session, rate a confirmed one."""

from __future__ import annotations

from datetime import date

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.i18n import Html, t
from bot.presenter.base import Params, Part, notice
from storage.models import MentoringSession


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d-%m-%Y")


def confirm_buttons(language: str, session_id: int) -> Keyboard:
    """Confirm, or say it did not happen as logged: both answers are one press."""
    return [
        [Button(t(language, "session.confirm"), callbacks.encode("ss", "ok", session_id))],
        [Button(t(language, "session.dispute"), callbacks.encode("ss", "no", session_id))],
    ]


def describe(language: str, session: MentoringSession) -> Html:
    """Which session this is (day, length, topic), for messages edited after an answer."""
    return t(
        language,
        "session.which",
        day=_day(session.held_on.isoformat()),
        minutes=session.minutes,
        topic=session.topic,
    )


@notice("session.please_confirm")
def please_confirm(params: Params, language: str) -> list[Part]:
    """To the other side of the pairing; params: session_id, who (logged it), day (ISO
    date), minutes, topic, mode (``online`` / ``offline`` ...)."""
    text = t(
        language,
        "session.please_confirm",
        who=params["who"],
        day=_day(params["day"]),
        minutes=params["minutes"],
        topic=params["topic"],
        mode=t(language, f"session.mode_{params['mode']}"),
    )
    return [Part(text, confirm_buttons(language, params["session_id"]))]


def _disputed(key: str, params: Params, language: str) -> list[Part]:
    values = {k: params[k] for k in ("who", "logger", "minutes", "topic")}
    return [Part(t(language, key, day=_day(params["day"]), **values))]


@notice("session.disputed_logger")
def disputed_logger(params: Params, language: str) -> list[Part]:
    """To the one who logged a session the other side disputes; params: who (disputed),
    logger, day (ISO date), minutes, topic."""
    return _disputed("session.disputed_logger", params, language)


@notice("session.disputed_coordinator")
def disputed_coordinator(params: Params, language: str) -> list[Part]:
    """To coordinators, the same facts as ``session.disputed_logger``."""
    return _disputed("session.disputed_coordinator", params, language)


@notice("session.rate")
def rate(params: Params, language: str) -> list[Part]:
    """To the mentee; params: session_id, topic."""
    stars = [
        Button("⭐" * n, callbacks.encode("ss", "rate", params["session_id"], n))
        for n in (1, 2, 3, 4)
    ]
    return [Part(t(language, "session.rate", topic=params["topic"]), [stars])]
