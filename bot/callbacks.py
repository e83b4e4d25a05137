"""Callback data for inline buttons: short, parseable, and never trusted.

Telegram allows 64 bytes of callback data. A payload is ``<kind>:<field>:<field>...``
with plain ASCII fields. Parsing returns None for anything malformed, so a forged or stale
button gets the same polite answer as an unknown one; rights are checked by the flows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_FIELD = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str
    fields: tuple[str, ...]

    def int_field(self, index: int) -> int | None:
        try:
            value = self.fields[index]
        except IndexError:
            return None
        return int(value) if value.isdigit() and len(value) < 19 else None


def encode(kind: str, *fields: object) -> str:
    """Build callback data; raises ValueError on anything that would not fit or parse."""
    parts = [kind, *(str(f) for f in fields)]
    for part in parts:
        if not _FIELD.match(part):
            raise ValueError(f"callback field {part!r} is not plain ASCII")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_BYTES} bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None when it is not something we could have sent."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if not all(_FIELD.match(p) for p in parts):
        return None
    return Callback(kind=parts[0], fields=tuple(parts[1:]))
