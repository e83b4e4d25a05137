"""Checking requests against the official Bot API field list (``api.min.json``).

The file is optional and read only when a double is created with its path: the project
runs without it, and a test run without it reports the check as skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# Fields whose values are plain strings even when they look like JSON or numbers; used to
# decode form fields when no spec is loaded.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "language_code",
        "action",
        "url",
        "emoji",
        "title",
        "description",
        "message_effect_id",
        "business_connection_id",
        "file_id",
        "secret_token",
        "drop_pending_updates_text",
    }
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def is_string_only(self) -> bool:
        return self.types == ("String",)


class ApiSpec:
    """Methods and their fields, by lower-case method name."""

    def __init__(self, methods: dict[str, dict[str, FieldSpec]], names: dict[str, str]) -> None:
        self.methods = methods
        self.names = names  # lower-case -> official spelling

    @classmethod
    def load(cls, path: Path) -> ApiSpec:
        """The spec in ``path``, read once per process while the file is unchanged: every
        end-to-end test makes a double (about two hundred a run); nothing changes it."""
        stat = path.stat()
        return _load(str(path.resolve()), stat.st_mtime_ns, stat.st_size)

    @classmethod
    def parse(cls, path: Path) -> ApiSpec:
        raw = json.loads(path.read_text(encoding="utf-8"))
        methods: dict[str, dict[str, FieldSpec]] = {}
        names: dict[str, str] = {}
        for name, method in raw["methods"].items():
            fields = {
                f["name"]: FieldSpec(f["name"], tuple(f.get("types", [])), bool(f.get("required")))
                for f in method.get("fields", [])
            }
            methods[name.lower()] = fields
            names[name.lower()] = name
        return cls(methods, names)

    def has(self, method: str) -> bool:
        return method.lower() in self.methods

    def field(self, method: str, name: str) -> FieldSpec | None:
        return self.methods.get(method.lower(), {}).get(name)

    def problems(self, method: str, params: dict[str, Any]) -> list[str]:
        """What is wrong with a request, per the spec (empty when it conforms)."""
        fields = self.methods.get(method.lower())
        if fields is None:
            return [f"method {method} does not exist"]
        official = self.names[method.lower()]
        found = [
            f"{name} is not a parameter of {official}" for name in params if name not in fields
        ]
        found += [
            f"{official} requires {spec.name}"
            for spec in fields.values()
            if spec.required and spec.name not in params
        ]
        return found


@cache
def _load(path: str, _mtime_ns: int, _size: int) -> ApiSpec:
    """:meth:`ApiSpec.load`'s cache: keyed by the file's change time and size as well, so
    an edited file is read again."""
    return ApiSpec.parse(Path(path))


def decode_field(spec: ApiSpec | None, method: str, name: str, raw: str) -> Any:
    """A form value as the Bot API means it (PTB JSON-encodes every non-string value)."""
    field = spec.field(method, name) if spec else None
    if field is not None and field.is_string_only:
        return raw
    if field is None and name in STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw
