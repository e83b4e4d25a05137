"""Nudges: the reminders the bot sends by itself (reflection due, reviews waiting, an open
offer, a milestone near)."""

from __future__ import annotations

from datetime import date

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.i18n import t
from bot.presenter.base import Params, Part, notice
from bot.presenter.pairing import offer_buttons
from bot.presenter.reflection import week_of
from bot.presenter.templates import milestone_title


def snooze_buttons(language: str, programme_id: int) -> Keyboard:
    return [
        [Button(t(language, "nudge.write_now"), callbacks.encode("rf", "open", programme_id))],
        [
            Button(t(language, "nudge.snooze_day"), callbacks.encode("nd", "snooze", 1)),
            Button(t(language, "nudge.snooze_week"), callbacks.encode("nd", "snooze", 7)),
        ],
    ]


def _reflection(key: str, params: Params, language: str) -> list[Part]:
    week = week_of(date.fromisoformat(params["week_start"]), language)
    text = t(language, key, programme=params["programme"], week=week)
    return [Part(text, snooze_buttons(language, params["programme_id"]))]


@notice("nudge.reflection_due")
def reflection_due(params: Params, language: str) -> list[Part]:
    """params: programme_id, programme, week_start (ISO date)."""
    return _reflection("nudge.reflection_due", params, language)


@notice("nudge.reflection_reminder")
def reflection_reminder(params: Params, language: str) -> list[Part]:
    return _reflection("nudge.reflection_reminder", params, language)


@notice("nudge.review")
def review(params: Params, language: str) -> list[Part]:
    """params: count (waiting), waiting (up to five: reflection_id, mentee, days)."""
    lines = [t(language, "nudge.review_header", count=params["count"])]
    buttons: Keyboard = []
    for item in params["waiting"]:
        lines.append(t(language, "nudge.review_line", mentee=item["mentee"], days=item["days"]))
        label = f"{t(language, 'review.show')} · {item['mentee']}"[:60]
        buttons.append([Button(label, callbacks.encode("rv", "show", item["reflection_id"]))])
    return [Part("\n".join(lines), buttons)]


@notice("nudge.offer")
def offer(params: Params, language: str) -> list[Part]:
    """params: pairing_id, mentee."""
    text = t(language, "nudge.offer", mentee=params["mentee"])
    return [Part(text, offer_buttons(language, params["pairing_id"]))]


@notice("nudge.milestone")
def milestone(params: Params, language: str) -> list[Part]:
    """params: title (as stored: a catalogue ``@key`` or the coordinator's own), programme,
    due (ISO date)."""
    text = t(
        language,
        "nudge.milestone",
        title=milestone_title(params["title"], language),
        programme=params["programme"],
        due=date.fromisoformat(params["due"]).strftime("%d-%m-%Y"),
    )
    return [Part(text)]
