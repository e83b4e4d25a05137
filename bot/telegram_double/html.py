"""Telegram's HTML subset, parsed as strictly as Telegram does.

Returns the plain text and the entities (offsets in UTF-16 code units, as the Bot API
counts them). Anything Telegram would refuse (an unknown tag, a mismatched or unclosed tag,
a bare ``<``) raises :class:`HtmlError` with a reason like Telegram's. A bare ``&`` or ``>``
is refused too, although Telegram lets some through: the Bot API says they must be escaped,
and a double that tolerated them would hide an escaping bug in the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
ALLOWED = {*_SIMPLE, "a", "span", "tg-emoji"}


class HtmlError(ValueError):
    """The text is not valid Telegram HTML."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    entity: dict[str, Any]
    start: int  # UTF-16 offset


@dataclass
class _State:
    out: list[str] = field(default_factory=list)
    length: int = 0
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.length += utf16_len(text)


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _NAMED:
        return _NAMED[name]
    code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
    try:
        return chr(code)
    except (ValueError, OverflowError) as exc:
        raise HtmlError(f"Unsupported HTML entity &{name};") from exc


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match.group(1).lower()] = _ENTITY.sub(_decode_entity, value)
    return attrs


def _entity_for(tag: str, attrs: dict[str, str], offset: int) -> dict[str, Any]:
    if tag == "a":
        if "href" not in attrs:
            raise HtmlError("Can't find href attribute of the link")
        return {"type": "text_link", "offset": offset, "url": attrs["href"]}
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HtmlError('Tag "span" must have class "tg-spoiler"')
        return {"type": "spoiler", "offset": offset}
    if tag == "tg-emoji":
        if "emoji-id" not in attrs:
            raise HtmlError('Tag "tg-emoji" must have attribute "emoji-id"')
        return {"type": "custom_emoji", "offset": offset, "custom_emoji_id": attrs["emoji-id"]}
    kind = _SIMPLE[tag]
    if tag == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    entity: dict[str, Any] = {"type": kind, "offset": offset}
    if tag == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"][len("language-") :]
    return entity


def _tag(state: _State, raw: str, at: int) -> None:
    closing = raw.startswith("/")
    body = raw[1:] if closing else raw
    name = re.match(r"[a-zA-Z-]*", body)
    tag = name.group(0).lower() if name else ""
    if tag not in ALLOWED:
        raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {at}')
    if not closing:
        entity = _entity_for(tag, _attributes(body[len(tag) :]), state.length)
        state.stack.append(_Open(tag, entity, state.length))
        return
    if not state.stack or state.stack[-1].tag != tag:
        raise HtmlError(f'Unmatched end tag at byte offset {at}, expected "</{tag}>"')
    opened = state.stack.pop()
    length = state.length - opened.start
    if not length:
        return
    entity = opened.entity
    if tag == "code" and state.stack and state.stack[-1].tag == "pre":
        if entity.get("language"):
            state.stack[-1].entity["language"] = entity["language"]
        return
    state.entities.append({**entity, "length": length})


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a Telegram-HTML message, or :class:`HtmlError`."""
    state = _State()
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            end = source.find(">", pos)
            if end == -1:
                raise HtmlError(f"Unclosed start tag at byte offset {pos}")
            _tag(state, source[pos + 1 : end].strip(), pos)
            pos = end + 1
        elif char == "&":
            match = _ENTITY.match(source, pos)
            if match is None:
                raise HtmlError(f"Character '&' is reserved and must be escaped at offset {pos}")
            state.emit(_decode_entity(match))
            pos = match.end()
        elif char == ">":
            raise HtmlError(f"Character '>' is reserved and must be escaped at offset {pos}")
        else:
            found = [i for i in (source.find(c, pos) for c in "<&>") if i != -1]
            nxt = min(found, default=len(source))
            state.emit(source[pos:nxt])
            pos = nxt
    if state.stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{state.stack[-1].tag}"')
    state.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(state.out), state.entities
