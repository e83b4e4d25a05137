"""A past reflection on screen (/riwayat): answers with the reflection's own renderer,
then each review's decision, comment and date.

A page is one message that ◀ ▶ edit in place, so it must fit Telegram's limit: when it
does not, the people's text (answers, comments) is shortened, a note says so, and a
"full text" button sends the whole reflection as several messages, cut by the same
splitter as the mentee's summary and the mentor's copy.
"""

from __future__ import annotations

from bot import timezones
from bot.flows.history import HistoryPage
from bot.i18n import Html, escape, t
from bot.presenter.reflection import answer_parts, chunks_for, week_of
from bot.text_split import TELEGRAM_LIMIT, pack, shorten, split_text, visible_len
from storage.models import Review

TEXT_CAPS = (None, 1500, 600, 200, 80)  # per answer or comment, tried in turn
COMMENT_PIECE = 3000


def header(lang: str, found: HistoryPage) -> Html:
    reflection = found.reflection
    facts = {
        "number": found.index + 1,
        "total": found.total,
        "programme": found.programme.name,
        "week": week_of(reflection.week_start, lang),
        "status": t(lang, f"history.status.{reflection.status}"),
        "version": reflection.version,
        "late": t(lang, "review.late") if reflection.late else "",
    }
    if found.own:
        return t(lang, "history.header_own", **facts)
    return t(lang, "history.header", mentee=found.mentee.name, **facts)


def _review(lang: str, zone: str, found: HistoryPage, review: Review, cap: int | None) -> Html:
    when = timezones.local(review.created_at, zone).strftime("%d-%m-%Y %H:%M")
    line = t(
        lang,
        "history.review",
        decision=t(lang, f"history.decision.{review.decision}"),
        reviewer=found.reviewers.get(review.reviewer_id, "-"),
        date=when,
        version=review.version,
    )
    if not review.comment or cap == 0:  # 0: the comment follows in pieces of its own
        return line
    comment = review.comment if cap is None else shorten(review.comment, cap)
    return Html(f"{line}\n{t(lang, 'history.comment', comment=comment)}")


def _reviews(lang: str, zone: str, found: HistoryPage, cap: int | None) -> list[Html]:
    if not found.reviews:
        return [t(lang, "history.no_reviews")]
    return [
        t(lang, "history.reviews_header"),
        *(_review(lang, zone, found, r, cap) for r in found.reviews),
    ]


def _answers(lang: str, found: HistoryPage, cap: int | None) -> list[str]:
    parts = answer_parts(
        found.programme.questions, found.reflection.answers, found.reflection.minutes, lang
    )
    blocks = []
    for title, answer in parts:
        shown = answer if cap is None else shorten(answer, cap)
        body = escape(shown) if shown else t(lang, "reflect.unanswered")
        blocks.append(f"<b>{title}</b>\n{body}")
    return blocks


def page_text(lang: str, zone: str, found: HistoryPage) -> tuple[Html, bool]:
    """The page as one message, and whether the people's text had to be shortened."""
    top = header(lang, found)
    text = ""
    for cap in TEXT_CAPS:
        blocks = [top, *_answers(lang, found, cap), "\n".join(_reviews(lang, zone, found, cap))]
        if cap is not None:
            blocks.append(t(lang, "history.shortened"))
        text = "\n\n".join(blocks)
        if visible_len(text) <= TELEGRAM_LIMIT:
            return Html(text), cap is not None
    return Html(pack([text])[0]), True


def full_messages(lang: str, zone: str, found: HistoryPage) -> list[str]:
    """The whole reflection as several messages: answers as the reflection summary cuts
    them (``chunks_for``), then the reviews, a long comment cut into pieces."""
    parts = answer_parts(
        found.programme.questions, found.reflection.answers, found.reflection.minutes, lang
    )
    messages = chunks_for(header(lang, found), parts, lang)
    if not found.reviews:
        return [*messages, t(lang, "history.no_reviews")]
    blocks: list[str] = [t(lang, "history.reviews_header")]
    for review in found.reviews:
        blocks.append(_review(lang, zone, found, review, 0))
        for piece in split_text(review.comment or "", COMMENT_PIECE) if review.comment else []:
            blocks.append(t(lang, "history.comment", comment=piece))
    return [*messages, *pack(blocks, separator="\n")]
