"""/progres: a mentee's own figures, and a line per mentee for a mentor."""

from __future__ import annotations

from telegram import Update

from bot.flows import progress
from bot.flows.hours import JP_TARGET
from bot.flows.progress import MenteeProgress
from bot.handlers.common import say, say_long, viewer_of
from bot.handlers.context import Context
from bot.i18n import number, t
from bot.presenter.templates import milestone_title

BAR_CELLS = 10


def bar(value: float) -> str:
    filled = min(BAR_CELLS, round(value / JP_TARGET * BAR_CELLS))
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def _mentee_block(item: MenteeProgress, lang: str) -> str:
    lines = [
        t(
            lang,
            "progress.mentee",
            programme=item.programme.name,
            reflected=item.reflected,
            due=item.due,
            streak=item.streak,
            pending=item.pending_reviews,
            jp=number(item.jp_year, lang),
            target=JP_TARGET,
            bar=bar(item.jp_year),
        )
    ]
    if item.milestones:
        lines.append(t(lang, "progress.milestones_header"))
        lines += [
            t(
                lang,
                "progress.milestone_line",
                title=milestone_title(m.title, lang),
                due=m.due_on.strftime("%d-%m-%Y") if m.due_on else "-",
                state=t(lang, f"progress.milestone_{state}"),
            )
            for m, state in zip(item.milestones, _states(item), strict=True)
        ]
    return "\n".join(lines)


def _states(item: MenteeProgress) -> tuple[str, ...]:
    """Each milestone's state ("open" for any a figure was built without)."""
    return item.milestone_states or ("open",) * len(item.milestones)


def _tally(item: MenteeProgress, lang: str) -> str:
    """A mentor's line ends with how many milestones they confirmed (when there are any)."""
    if not item.milestones:
        return ""
    return t(
        lang,
        "progress.milestones_tally",
        confirmed=item.milestones_confirmed,
        total=len(item.milestones),
    )


async def show(update: Update, context: Context) -> None:
    viewer = await viewer_of(update, context)
    lang = viewer.language
    own, mentees = await progress.for_viewer(context.svc, viewer)
    blocks = [_mentee_block(item, lang) for item in own]
    if mentees:
        lines: list[str] = [t(lang, "progress.mentor_header")]
        lines += [
            t(
                lang,
                "progress.mentor_line",
                name=m.person.name,
                programme=m.programme.name,
                reflected=m.reflected,
                due=m.due,
                streak=m.streak,
                pending=m.pending_reviews,
                jp=number(m.jp_year, lang),
            )
            + _tally(m, lang)
            for m in mentees
        ]
        blocks.append("\n".join(lines))
    if blocks:
        await say_long(update, blocks, separator="\n\n")
    else:
        await say(update, t(lang, "progress.none"))
