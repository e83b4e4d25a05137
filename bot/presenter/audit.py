"""Audit entries and programme items in the reader's language.

``/audit`` and the programme report both word the log through :func:`entry_text`: when
(in the reader's zone), who, what, and the facts before → after, each side kept short
so a page of ten fits one message. Fields and well-known values have catalogue words
(``audit.field.*``, ``audit.value.*``); anything else is shown as stored.
"""

from __future__ import annotations

from typing import Any

from bot import timezones
from bot.i18n import Html, escape, has, t
from bot.text_split import shorten
from storage.audit import CLI
from storage.models import AuditEntry

SIDE_LIMIT = 160  # UTF-16 units of one side of "before → after"
# Fields whose values are catalogue keys under these prefixes.
VALUE_PREFIX = {
    "status": "audit.value",
    "reason": "pair.end_reason",
    "role": "role",
    "kind": "programme.kind",
}


def question_text(language: str, question: dict[str, Any]) -> str:
    """A reflection question as the reader sees it (template questions are catalogue keys)."""
    key = question.get("key")
    if isinstance(key, str) and has(language, key):
        return str(t(language, key))
    return str(question.get("text", ""))


def milestone_text(language: str, title: str, due: str | None) -> str:
    """``YYYY-MM-DD title`` (a title starting with ``@`` is a catalogue key)."""
    shown = (
        str(t(language, title[1:]))
        if title.startswith("@") and has(language, title[1:])
        else title
    )
    return f"{due} {shown}" if due else shown


def _value(language: str, field: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(t(language, "audit.value.yes" if value else "audit.value.no"))
    if field == "questions" and isinstance(value, list):
        return "; ".join(question_text(language, q) for q in value if isinstance(q, dict))
    if field == "milestones" and isinstance(value, list):
        return "; ".join(
            milestone_text(language, str(m.get("title", "")), m.get("due"))
            for m in value
            if isinstance(m, dict)
        )
    prefix = VALUE_PREFIX.get(field)
    if prefix and isinstance(value, str) and has(language, f"{prefix}.{value}"):
        return str(t(language, f"{prefix}.{value}"))
    return str(value)


def facts_text(language: str, facts: dict[str, Any] | None) -> str:
    """``field: value, ...`` as plain text, cut to :data:`SIDE_LIMIT`; ``–`` if nothing."""
    if not facts:
        return "–"
    parts = []
    for field, value in facts.items():
        name = f"audit.field.{field}"
        label = str(t(language, name)) if has(language, name) else field
        parts.append(f"{label}: {_value(language, field, value)}")
    return shorten(", ".join(parts), SIDE_LIMIT)


def actor_text(language: str, entry: AuditEntry) -> str:
    if entry.actor_name:
        return entry.actor_name
    return str(t(language, "audit.actor.cli" if entry.actor_label == CLI else "audit.actor.chat"))


def action_text(language: str, entry: AuditEntry) -> str:
    """What was done, in words (an action with no words yet is shown by its key)."""
    action = f"audit.action.{entry.action}"
    return str(t(language, action)) if has(language, action) else entry.action


def entry_text(language: str, zone: str, entry: AuditEntry) -> Html:
    """One entry: when · who: what (about whom / which programme), then before → after."""
    when = timezones.local(entry.at, zone)
    about = [name for name in (entry.subject_name, entry.programme_name) if name]
    return t(
        language,
        "audit.line",
        when=f"{when:%Y-%m-%d %H:%M} {timezones.label(zone)}",
        who=actor_text(language, entry),
        what=action_text(language, entry),
        about=Html(f" · {escape(', '.join(about))}") if about else "",
        before=facts_text(language, entry.before),
        after=facts_text(language, entry.after),
    )
