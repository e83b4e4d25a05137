"""Personal-data notices: an erasure request to coordinators (Confirm / Refuse) and the
refusal to the person who asked."""

from __future__ import annotations

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.i18n import t
from bot.presenter.base import Params, Part, notice, worded

worded("privacy.erase_refused")


def erase_buttons(language: str, request_id: int) -> Keyboard:
    """Confirm or refuse an erasure request (``er:ok:<id>`` / ``er:no:<id>``)."""
    return [
        [
            Button(
                t(language, "privacy.erase_confirm_button"),
                callbacks.encode("er", "ok", request_id),
            )
        ],
        [
            Button(
                t(language, "privacy.erase_refuse_button"),
                callbacks.encode("er", "no", request_id),
            )
        ],
    ]


@notice("privacy.erase_request")
def erase_request(params: Params, language: str) -> list[Part]:
    """To coordinators; params: request_id, name, unit (of the person who asked)."""
    text = t(language, "privacy.erase_notify", name=params["name"], unit=params["unit"])
    return [Part(text, erase_buttons(language, int(params["request_id"])))]
