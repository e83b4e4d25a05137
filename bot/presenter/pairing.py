"""Pairing notices: the offer to a mentor, its answers, the end of a pairing."""

from __future__ import annotations

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.i18n import t
from bot.presenter.base import Params, Part, notice, worded

worded(
    "pair.paired_mentee",
    "pair.declined_coordinator",
    "pair.expired_coordinator",
    "pair.mentor_requested",
    "pair.ended_party",
)


def offer_buttons(language: str, pairing_id: int) -> Keyboard:
    return [
        [
            Button(t(language, "pair.accept"), callbacks.encode("pair", "ok", pairing_id)),
            Button(t(language, "pair.decline"), callbacks.encode("pair", "no", pairing_id)),
        ]
    ]


@notice("pair.offer")
def offer(params: Params, language: str) -> list[Part]:
    """params: pairing_id, mentee, unit, programme, hours (to answer)."""
    text = t(
        language,
        "pair.offer",
        mentee=params["mentee"],
        unit=params["unit"],
        programme=params["programme"],
        hours=params["hours"],
    )
    return [Part(text, offer_buttons(language, params["pairing_id"]))]


@notice("pair.end_requested")
def end_requested(params: Params, language: str) -> list[Part]:
    """To coordinators; params: pairing_id, who (asked), mentor, mentee."""
    text = t(
        language,
        "pair.end_requested",
        who=params["who"],
        mentor=params["mentor"],
        mentee=params["mentee"],
    )
    stop = callbacks.encode("pair", "stop", params["pairing_id"])
    return [Part(text, [[Button(t(language, "pair.stop"), stop)]])]
