"""Plain models that storage functions take and return (no SQLAlchemy rows leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

ERASED_NAME = "\u2063erased\u2063"
"""The stored name of a person whose data was erased: a marker, never shown as it is.
``bot.i18n`` renders it as "deleted participant" in the reader's language (the invisible
separators make it impossible to type as a real name)."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone on the roster (or approved through a join request)."""

    id: int
    nip: str | None
    name: str
    unit: str | None
    roles: frozenset[str]
    timezone: str
    language: str
    status: str
    telegram_id: int | None = None
    supervisor_id: int | None = None
    mentor_id: int | None = None
    mentor_capacity: int = 3
    nudges_paused_until: datetime | None = None
    erased_at: datetime | None = None  # identifying data erased on request (0017)


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One validated roster row, NIPs still unresolved (resolved inside the import)."""

    line: int
    nip: str
    name: str
    roles: frozenset[str]
    unit: str | None
    supervisor_nip: str | None
    mentor_nip: str | None
    timezone: str | None
    language: str | None
    capacity: int | None = None  # how many mentees a mentor may take (default 3)


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    code: str
    person_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_telegram_id: int | None


@dataclass(frozen=True, slots=True)
class JoinRequest:
    id: int
    telegram_id: int
    nip: str
    name: str
    unit: str
    language: str
    status: str
    created_at: datetime
    person_id: int | None = None
    decided_by_telegram_id: int | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a person is in a multi-step dialogue, and what they answered so far."""

    telegram_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None  # when the last step was taken: how stale it is


@dataclass(frozen=True, slots=True)
class UserPrefs:
    """Language and time zone of a Telegram account that may not be on the roster."""

    telegram_id: int
    language: str | None
    timezone: str | None
    menu: str | None = None  # fingerprint of the menu last set in the chat


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    dedup_key: str
    chat_id: int
    person_id: int | None
    text: str
    reply_markup: dict[str, Any] | None
    status: str
    attempts: int
    not_before: datetime
    last_error: str | None = None
    media_kind: str | None = None
    media_file_id: str | None = None
    media_data: dict[str, Any] | None = None  # media_kind "chart": drawn when sent
    kind: str | None = None  # a notice (bot.presenter renders kind + params when sent)
    params: dict[str, Any] | None = None
    parts_sent: int = 0  # how many of a notice's messages Telegram already has


@dataclass(frozen=True, slots=True)
class Programme:
    id: int
    name: str
    kind: str
    starts_on: date
    ends_on: date
    reflection_weekday: int  # 0 = Monday
    questions: list[dict[str, Any]]
    status: str
    unit_rule: str
    offer_hours: int


@dataclass(frozen=True, slots=True)
class Milestone:
    id: int
    programme_id: int
    title: str
    due_on: date | None
    position: int


@dataclass(frozen=True, slots=True)
class MilestoneMark:
    """One mentee's state of one milestone: done (by them), confirmed (by their mentor)."""

    id: int
    milestone_id: int
    person_id: int
    done_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by_id: int | None
    round: int = 0

    @property
    def state(self) -> str:
        """``confirmed``, ``done`` (waiting for the mentor) or ``open``."""
        if self.confirmed_at is not None:
            return "confirmed"
        return "done" if self.done_at is not None else "open"


@dataclass(frozen=True, slots=True)
class Pairing:
    id: int
    programme_id: int
    mentor_id: int
    mentee_id: int
    status: str  # offered, active, declined, expired, ended
    reason: str | None
    offered_at: datetime | None
    responded_at: datetime | None = None
    ended_at: datetime | None = None
    end_requested_by_id: int | None = None
    end_reason: str | None = None  # a key under ``pair.end_reason``


@dataclass(frozen=True, slots=True)
class Reflection:
    """One person's reflection for one programme week (Monday ``week_start``, local time)."""

    id: int
    programme_id: int
    person_id: int
    week_start: date
    status: str  # draft, submitted, revision, approved
    answers: dict[str, str]  # question index (as text) -> answer
    minutes: int | None
    version: int
    late: bool
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None
    # Telegram message id (as text) -> question index of the answer it gave (see 0007).
    answer_messages: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evidence:
    id: int
    reflection_id: int
    kind: str  # photo, document
    telegram_file_id: str
    caption: str | None


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    reflection_id: int
    reviewer_id: int
    version: int
    decision: str  # approve, comment, revision
    comment: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MentoringSession:
    id: int
    programme_id: int
    mentor_id: int
    mentee_id: int
    held_on: date
    minutes: int
    topic: str
    mode: str  # online, offline
    logged_by_id: int | None
    confirmed_at: datetime | None
    rating: int | None = None
    rating_note: str | None = None
    disputed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One coordinator action as the audit log keeps it (``storage.audit``).

    ``actor_label`` is a neutral key (``chat``, ``cli``); the names are looked up when read
    (None once that person or programme is gone). ``before``/``after`` are the facts the
    action changed, as small JSON objects keyed by field.
    """

    id: int
    at: datetime
    actor_person_id: int | None
    actor_label: str
    action: str
    programme_id: int | None
    subject_person_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor_name: str | None = None
    subject_name: str | None = None
    programme_name: str | None = None
