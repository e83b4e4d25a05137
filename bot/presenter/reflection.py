"""A reflection on screen: the mentee's own summary and the mentor's copy (with evidence).

The mentee's summary is rendered by the handler; the mentor's copy is a queued notice,
rendered here when it is sent. Both are cut by the one splitter, as Telegram counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot import callbacks
from bot.flows.buttons import Button, Keyboard
from bot.flows.hours import format_minutes
from bot.flows.templates import HOURS
from bot.i18n import escape, t
from bot.presenter.base import Params, Part, notice
from bot.presenter.templates import question_text
from bot.text_split import pack, shorten, split_text
from storage.models import Programme, Reflection

ANSWER_PIECE = 3000  # UTF-16 units of one answer per block; a title and header still fit
EVIDENCE_CAPTION = 800  # of the mentee's caption, so the whole caption stays below 1024


def week_of(week_start: date, language: str) -> str:
    return t(language, "reflect.week", start=week_start.strftime("%d-%m-%Y"))


def week_label(reflection: Reflection, language: str) -> str:
    return week_of(reflection.week_start, language)


def review_buttons(language: str, reflection_id: int, version: int) -> Keyboard:
    data = (reflection_id, version)
    return [
        [Button(t(language, "review.approve"), callbacks.encode("rv", "ok", *data))],
        [
            Button(t(language, "review.comment"), callbacks.encode("rv", "cm", *data)),
            Button(t(language, "review.revise"), callbacks.encode("rv", "rev", *data)),
        ],
    ]


def hours_text(language: str, hours: int, minutes: int) -> str:
    """``2 jam``, ``45 menit`` or ``1 jam 30 menit`` (no "0 menit")."""
    if not minutes:
        return t(language, "reflect.hours_only", hours=hours)
    if not hours:
        return t(language, "reflect.minutes_only", minutes=minutes)
    return t(language, "reflect.hours_value", hours=hours, minutes=minutes)


def answer_parts(
    questions: Sequence[Mapping[str, Any]],
    answers: Mapping[str, str],
    minutes: int | None,
    language: str,
) -> list[tuple[str, str]]:
    """(question, plain answer) pairs; the hours answer as the minutes we understood."""
    parts = []
    for index, question in enumerate(questions):
        answer = answers.get(str(index), "")
        if question.get("kind") == HOURS and minutes is not None and answer:
            answer = hours_text(language, *format_minutes(minutes))
        parts.append((f"{index + 1}. {question_text(dict(question), language)}", answer))
    return parts


def summary_parts(
    reflection: Reflection, programme: Programme, language: str
) -> list[tuple[str, str]]:
    return answer_parts(programme.questions, reflection.answers, reflection.minutes, language)


def chunks_for(
    header: str, body_plain_parts: list[tuple[str, str]], language: str, footer: str = ""
) -> list[str]:
    """Messages below Telegram's limit (UTF-16 units, as it counts): question headers stay
    with (the start of) their answers; the ``footer`` ends the last message."""
    blocks = [header] if header else []
    for title, answer in body_plain_parts:
        for piece_index, piece in enumerate(split_text(answer, ANSWER_PIECE) if answer else [""]):
            blocks.append(
                (f"<b>{title}</b>\n" if piece_index == 0 else "")
                + (escape(piece) if piece else t(language, "reflect.unanswered"))
            )
    return pack([*blocks, footer] if footer else blocks)


@notice("reflection.copy")
def mentor_copy(params: Params, language: str) -> list[Part]:
    """The mentor's copy of a submitted reflection, review buttons under the last part.

    params: reflection_id, version, mentee, programme (names), week_start (ISO date),
    late, questions, answers, minutes: a snapshot of what was sent.
    """
    header = t(
        language,
        "review.header",
        mentee=params["mentee"],
        programme=params["programme"],
        week=week_of(date.fromisoformat(params["week_start"]), language),
        version=params["version"],
        late=t(language, "review.late") if params["late"] else "",
    )
    body = answer_parts(params["questions"], params["answers"], params["minutes"], language)
    messages = chunks_for(header, body, language)
    buttons = review_buttons(language, params["reflection_id"], params["version"])
    return [
        Part(text, buttons if i == len(messages) - 1 else None) for i, text in enumerate(messages)
    ]


@notice("reflection.evidence")
def evidence_caption(params: Params, language: str) -> list[Part]:
    """The caption of one piece of evidence (the row carries the photo or document).

    params: number, mentee, caption (the mentee's own).
    """
    caption = shorten(str(params.get("caption") or ""), EVIDENCE_CAPTION)
    return [
        Part(
            t(
                language,
                "review.evidence_caption",
                number=params["number"],
                mentee=params["mentee"],
                caption=caption,
            )
        )
    ]
