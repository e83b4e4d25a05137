"""Pairing notices: the offer to a mentor, its answers, the end of a pairing."""

from __future__ import annotations

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.flows.pairing import END_REASONS
from bot.i18n import t
from bot.presenter.base import Params, Part, notice, worded

worded(
    "pair.paired_mentee",
    "pair.declined_coordinator",
    "pair.expired_coordinator",
    "pair.declined_coordinator_waiting",
    "pair.expired_coordinator_waiting",
    "pair.mentor_requested",
    "pair.kept_party",
    "pair.changed_mentee",
    "pair.changed_new_mentor",
    "pair.changed_old_mentor",
    "programme.ended_member",
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


def end_reason_buttons(language: str, pairing_id: int, *, decide: bool) -> Keyboard:
    """One button per reason, then the way out that changes nothing.

    A party asking (``decide`` False) gets ``endr`` and Cancel; a coordinator deciding gets
    ``stopr`` and Keep, so ending is never a single press."""
    pick, back = ("stopr", "keep") if decide else ("endr", "endx")
    rows = [
        [
            Button(
                t(language, f"pair.end_reason.{r}"), callbacks.encode("pair", pick, pairing_id, r)
            )
        ]
        for r in END_REASONS
    ]
    way_out = "pair.keep" if decide else "pair.end_cancel"
    rows.append([Button(t(language, way_out), callbacks.encode("pair", back, pairing_id))])
    return rows


def decide_end_buttons(language: str, pairing_id: int) -> Keyboard:
    """What a coordinator told of an end request can do: end (then a reason) or keep."""
    return [
        [
            Button(t(language, "pair.stop"), callbacks.encode("pair", "stop", pairing_id)),
            Button(t(language, "pair.keep"), callbacks.encode("pair", "keep", pairing_id)),
        ]
    ]


@notice("pair.end_requested")
def end_requested(params: Params, language: str) -> list[Part]:
    """To coordinators; params: pairing_id, who (asked), mentor, mentee, reason (a key
    of ``END_REASONS``)."""
    text = t(
        language,
        "pair.end_requested",
        who=params["who"],
        mentor=params["mentor"],
        mentee=params["mentee"],
        reason=t(language, f"pair.end_reason.{params['reason']}"),
    )
    return [Part(text, decide_end_buttons(language, params["pairing_id"]))]


@notice("pair.ended_party")
def ended_party(params: Params, language: str) -> list[Part]:
    """To each side of an ended pairing; params: other (the other side), programme,
    reason (a key of ``END_REASONS``)."""
    why = t(language, f"pair.end_reason.{params['reason']}")
    text = t(
        language,
        "pair.ended_party",
        other=params["other"],
        programme=params["programme"],
        reason=why,
    )
    return [Part(text)]
