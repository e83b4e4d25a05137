"""One PTB handler that finds, by dictionary, which of a group's handlers takes an update.

PTB's ``Application.process_update`` asks every handler of a group in turn whether it takes
the update (``check_update``): with a CommandHandler per command and a CallbackQueryHandler
per button kind that was some 35 command checks and as many filter checks for every text a
person sent, a visible part of an update's CPU (``bench/update_cost.py --profile``).

:class:`Routes` holds the same handlers, in the same order, and asks only those that could
take the update: the CommandHandler registered for the command the message starts with
(found by its name, as PTB's CommandHandler reads it), the CallbackQueryHandler registered
for the button's kind (``^kind:`` patterns, found by the data's first field), and every other
handler (fallbacks, message kinds) as before. The first of them, in registration order, whose
own ``check_update`` takes the update handles it, exactly as PTB would have chosen: the
handlers skipped are those whose check could not have matched.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

Handler = BaseHandler[Update, Any, Any]
Check = tuple[Handler, object]
_KIND = re.compile(r"^\^([A-Za-z0-9_-]+):$")  # a pattern that is a literal button kind


class Routes(BaseHandler[Update, Any, Any]):
    """Stands for ``handlers`` (in this order) in one group of the Application."""

    __slots__ = ("_by_command", "_by_kind", "_candidates", "_first_kind", "_others")

    def __init__(self, handlers: list[Handler]) -> None:
        super().__init__(self._unused)
        self._by_command: dict[str, tuple[int, Handler]] = {}
        self._by_kind: dict[str, tuple[int, Handler]] = {}
        self._others: list[tuple[int, Handler]] = []
        for position, handler in enumerate(handlers):
            if not handler.block:
                raise ValueError("Routes runs every handler blocking, as registered")
            kind = _kind_of(handler)
            if isinstance(handler, CommandHandler):
                for name in handler.commands:
                    self._by_command.setdefault(name, (position, handler))
            elif kind is not None:
                self._by_kind.setdefault(kind, (position, handler))
            else:
                self._others.append((position, handler))
        self._first_kind = min(self._by_kind.values(), key=lambda c: c[0], default=None)
        # For each command's or kind's handler, the handlers to ask, in order: built once
        # here rather than for every update.
        self._candidates = {
            found[0]: self._placed(found)
            for found in (*self._by_command.values(), *self._by_kind.values())
        }

    @staticmethod
    async def _unused(update: Update, context: Any) -> None:  # pragma: no cover
        raise AssertionError("Routes hands each update to the handler that took it")

    def check_update(self, update: object) -> Check | None:
        if not isinstance(update, Update):
            return None
        command, kind = self._command_of(update), self._kind_of(update)
        if command is not None and kind is not None:  # a press on a message with a command
            candidates = sorted([*self._others, command, kind], key=lambda c: c[0])
        else:
            candidates = self._with(command or kind)
        for _, handler in candidates:
            check = handler.check_update(update)
            if not (check is None or check is False):
                return handler, check
        return None

    def _with(self, found: tuple[int, Handler] | None) -> list[tuple[int, Handler]]:
        """The other handlers with ``found`` in its place among them."""
        return self._others if found is None else self._candidates[found[0]]

    def _placed(self, found: tuple[int, Handler]) -> list[tuple[int, Handler]]:
        at = bisect.bisect(self._others, found[0], key=lambda c: c[0])
        return [*self._others[:at], found, *self._others[at:]]

    async def handle_update(
        self, update: Update, application: Any, check_result: object, context: Any
    ) -> object:
        assert isinstance(check_result, tuple)
        handler, check = check_result
        return await handler.handle_update(update, application, check, context)

    def _command_of(self, update: Update) -> tuple[int, Handler] | None:
        """The CommandHandler that may take this message: by the name CommandHandler reads
        (the text up to the first entity's end, if that entity is a command at 0, before
        any ``@``), lower-cased; that handler's own check confirms it."""
        message = update.effective_message
        if message is None or not message.entities or not message.text:
            return None
        entity = message.entities[0]
        if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
            return None
        name = message.text[1 : entity.length].split("@")[0].lower()
        return self._by_command.get(name)

    def _kind_of(self, update: Update) -> tuple[int, Handler] | None:
        """The CallbackQueryHandler of this button's kind (the data up to its first ``:``).

        A press with neither data nor a game is taken by any handler with a pattern (PTB's
        CallbackQueryHandler; Telegram sends none such): then the first of them."""
        query = update.callback_query
        if query is None:
            return None
        if not query.data:  # PTB: a pattern takes a press without data or game, the first
            return None if query.game_short_name or not self._by_kind else self._first_kind
        if not isinstance(query.data, str):
            return None
        kind, colon, _ = query.data.partition(":")
        return self._by_kind.get(kind) if colon else None


def _kind_of(handler: Handler) -> str | None:
    """``reg`` for a CallbackQueryHandler on ``^reg:`` alone; None for any other handler."""
    if not isinstance(handler, CallbackQueryHandler) or handler.game_pattern is not None:
        return None
    pattern = handler.pattern
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    literal = _KIND.match(pattern.pattern)
    return literal.group(1) if literal else None
