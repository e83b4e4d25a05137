"""What the double remembers: messages the bot sent, calls it received, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SentMessage:
    """A message the bot sent (kept up to date when the bot edits or deletes it)."""

    message_id: int
    chat_id: int
    date: int
    kind: str = "text"  # text, photo, document, ...
    text: str = ""  # plain text after entity parsing (the caption for media)
    html: str = ""  # as the bot sent it
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    file_ids: list[str] = field(default_factory=list)
    edited: bool = False
    deleted: bool = False
    history: list[str] = field(default_factory=list)  # earlier texts, oldest first

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline buttons in reading order."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass(frozen=True, slots=True)
class CallRecord:
    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None


@dataclass
class FailRule:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None
    after: int = 0  # calls that still succeed before the first failure


@dataclass
class StallRule:
    method: str
    seconds: float
    times: int


class ApiError(Exception):
    """Answered as Telegram's ``{"ok": false, ...}`` envelope."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
