"""Message catalogues (Indonesian and English) and safe formatting into Telegram HTML.

Catalogues are TOML files in ``bot/locales`` (tables give dotted keys: ``[start] hello`` is
``start.hello``). Every value passed to :func:`t` is HTML-escaped unless wrapped in
:class:`Html`, so user text can never break or inject markup: escaping is the default, not
something a handler must remember.
"""

from __future__ import annotations

import html
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from storage.models import ERASED_NAME

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_LOCALES = Path(__file__).parent / "locales"


class Html(str):
    """Text that is already safe HTML (built from catalogue text and escaped values)."""

    __slots__ = ()


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of one language, by dotted key."""
    with (_LOCALES / f"{language}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def _escape(value: object) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


def _unerased(value: object, language: str) -> object:
    """A name erased on request (``storage.models.ERASED_NAME``) as the reader's
    "deleted participant": every name reaches a message through here, so the partner's
    lists, digests and notices all say it without each knowing about erasure."""
    if not isinstance(value, str) or ERASED_NAME not in value:
        return value
    wording = catalogue(language)["privacy.deleted_participant"]
    if isinstance(value, Html):
        return Html(value.replace(ERASED_NAME, html.escape(wording, quote=False)))
    return value.replace(ERASED_NAME, wording)


def person_name(language: str, name: str) -> str:
    """A person's name as shown outside a catalogue message (a button, a spreadsheet
    cell): an erased person's marker becomes "deleted participant"."""
    return str(_unerased(name, language if language in LANGUAGES else DEFAULT_LANGUAGE))


def t(language: str, key: str, /, **values: object) -> Html:
    """The message ``key`` in ``language`` with ``values`` escaped into it."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    template = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise KeyError(f"message {key!r} is in no catalogue")
    return Html(template.format(**{k: _escape(_unerased(v, lang)) for k, v in values.items()}))


def number(value: float, language: str, decimals: int = 1) -> str:
    """A figure for people to read: at most ``decimals`` places, no trailing ",0", and the
    decimal separator of the language (Indonesian writes 3,5, English 3.5). The one place
    numbers are formatted, so /progres, digests and charts never disagree."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").removesuffix(".")
    if text == "-0":
        text = "0"
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return text.replace(".", ",") if lang == "id" else text


def has(language: str, key: str) -> bool:
    return key in catalogue(language)


def escape(text: str) -> Html:
    """User text made safe to embed in an HTML message."""
    return Html(html.escape(text, quote=False))


def plain(language: str, key: str, /, **values: object) -> str:
    """A catalogue message for a terminal (the command line): nothing is escaped."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    template = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    return template.format(**{k: str(_unerased(v, lang)) for k, v in values.items()})
