"""Mentoring-session notices: confirm a logged session, rate a confirmed one."""

from __future__ import annotations

from datetime import date

from bot import callbacks
from bot.flows.buttons import Button
from bot.i18n import t
from bot.presenter.base import Params, Part, notice


@notice("session.please_confirm")
def please_confirm(params: Params, language: str) -> list[Part]:
    """To the other side of the pairing; params: session_id, who (logged it), day (ISO
    date), minutes, topic, mode (``online`` / ``offline`` ...)."""
    text = t(
        language,
        "session.please_confirm",
        who=params["who"],
        day=date.fromisoformat(params["day"]).strftime("%d-%m-%Y"),
        minutes=params["minutes"],
        topic=params["topic"],
        mode=t(language, f"session.mode_{params['mode']}"),
    )
    data = callbacks.encode("ss", "ok", params["session_id"])
    return [Part(text, [[Button(t(language, "session.confirm"), data)]])]


@notice("session.rate")
def rate(params: Params, language: str) -> list[Part]:
    """To the mentee; params: session_id, topic."""
    stars = [
        Button("⭐" * n, callbacks.encode("ss", "rate", params["session_id"], n))
        for n in (1, 2, 3, 4)
    ]
    return [Part(t(language, "session.rate", topic=params["topic"]), [stars])]
