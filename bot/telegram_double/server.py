"""A local Telegram Bot API double: an aiohttp server that behaves like Telegram.

python-telegram-bot talks to it over real HTTP through ``base_url``. It answers with
Telegram's envelopes and errors (HTML parsing, the 4096/1024-character and 64-byte limits,
403 for blocked users and users who never wrote, 429 with ``retry_after`` from real token
buckets), checks each request against the official field list when given one, and lets
tests and the playground act as users (see :mod:`bot.telegram_double.users`). MarkdownV2 text is
stored unparsed (the bot sends HTML only).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image, UnidentifiedImageError

from bot.telegram_double.html import HtmlError, parse_html, utf16_len
from bot.telegram_double.limits import Limiter, RateLimits
from bot.telegram_double.models import (
    ApiError,
    CallRecord,
    FailRule,
    SentMessage,
    StallRule,
    StoredFile,
)
from bot.telegram_double.spec import ApiSpec, decode_field
from bot.telegram_double.users import DoubleUser
from bot.telegram_double.webhook import RETRY_DELAYS, Pusher, webhook_from

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
# Whether the bot is still at work on something the wire does not show (a handler that has
# not called Telegram yet, a message queued but not sent): plain or awaited.
BusyCheck = Callable[[], bool | Awaitable[bool]]
QUIET = 0.3  # seconds of silence that pass for "done" when no check sees all the bot's work
EXACT_QUIET = 0.005  # when the checks do: only a moment, for a response on its way back
# How long settle() waits, while a busy check says the bot is at work, before asking again
# when nothing reaches the double meanwhile (a call to it wakes the wait at once).
BUSY_RECHECK = 0.02
# A test's hook on every call: (stage, method, params, result). ``stage`` is "request" (before
# the double acts; returning True drops the call: nothing happens, an error is answered) or
# "response" (after it acted, before the bot reads the answer; ``result`` is what it gets).
CallHook = Callable[[str, str, dict[str, Any], Any], bool | None]
QUERY_TTL = 15.0  # seconds Telegram waits for answerCallbackQuery ("query is too old")
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
OTHER_POLLER = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
SEND_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendmediagroup", "copymessage"}
)
_COMMAND_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
# Telegram's rules for an uploaded photo (sendPhoto docs): at most 10 MB, width + height at
# most 10000, ratio of the sides at most 20. A photo sent again by file_id is not re-checked.
MAX_UPLOADED_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20
UNKNOWN_PHOTO_SIZE = (640, 480)  # reported for files that are not images (a user's document)
PHOTO_TOO_BIG = "Bad Request: file is too big"
PHOTO_NOT_AN_IMAGE = "Bad Request: IMAGE_PROCESS_FAILED"
PHOTO_BAD_DIMENSIONS = "Bad Request: PHOTO_INVALID_DIMENSIONS"
_PHOTO_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})


class TelegramDouble:
    """The server and its state; one bot, any number of users."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 - a fake token for a local double
        bot_id: int = 123456,
        bot_username: str = "pembina_demo_bot",
        bot_name: str = "Pembina",
        spec_path: Path | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.spec = ApiSpec.load(spec_path) if spec_path and spec_path.exists() else None
        self.spec_checked = self.spec is not None
        self.spec_violations: list[str] = []
        self.unimplemented_calls: list[str] = []
        self.calls: list[CallRecord] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.stats: Counter[str] = Counter()
        self.limiter = Limiter(rate_limits or RateLimits())
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._enqueued_upto = 0
        self._delivered_upto = 0
        self._update_chats: dict[int, int] = {}  # update id -> chat (a webhook keeps its order)
        # Each getUpdates takes the next number; a long poll whose number is no longer the
        # newest was overtaken by another poller and ends with 409, as on Telegram.
        self._polls = itertools.count(1)
        self._newest_poll = 0
        self.webhook: Pusher | None = None
        self.webhook_retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.webhook_timeout = 60.0  # seconds a webhook delivery may take
        self._messages: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._users: dict[int, DoubleUser] = {}
        self._known_chats: set[int] = set()
        self._blocked: set[int] = set()
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._files: dict[str, StoredFile] = {}
        self._queries: dict[str, bool] = {}
        self._query_born: dict[str, float] = {}
        self.query_ttl = QUERY_TTL
        self.hooks: list[CallHook] = []
        # Telegram forgets an update once getUpdates is called with a higher offset: the bot
        # has then confirmed it. ``confirmed_upto`` is the highest update id confirmed so far
        # (``delivered_upto`` the highest handed out, confirmed or not).
        self.confirmed_upto = 0
        self.offset_confirmations: list[tuple[float, int]] = []  # (monotonic time, up to id)
        # A test may tell the double how to see that the bot is still at work on what it
        # fetched (a handler that has not called Telegram yet looks the same as silence).
        # ``exact_checks`` says they see all of it (every update in hand, every message due,
        # every send, tick and export): then :meth:`settle` needs no silence timer.
        self.busy_checks: list[BusyCheck] = []
        self.exact_checks = False
        self._answering = 0  # Bot API calls being answered (a stalled one too)
        self._fail_rules: list[FailRule] = []
        self._stall_rules: list[StallRule] = []
        self._holds: list[tuple[str, int | None, asyncio.Event]] = []
        self._last_activity = time.monotonic()
        self._retry_due = 0.0  # when a bot told to wait (429) will try again
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False
        self._methods: dict[str, Handler] = {
            name[3:].lower(): getattr(self, name) for name in dir(self) if name.startswith("_m_")
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._host = host

    async def stop(self) -> None:
        self._closing = True
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self._port}/file/bot"

    # ------------------------------------------------------------ test controls

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "id",
    ) -> DoubleUser:
        """The handle of a user (and their private chat, whose id is the user id)."""
        if user_id not in self._users:
            self._users[user_id] = DoubleUser(
                self, user_id, first_name, last_name, username, language_code
            )
        return self._users[user_id]

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
        after: int = 0,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``) with an error,
        once ``after`` such calls went through (the middle of a message in parts)."""
        self._fail_rules.append(
            FailRule(method.lower(), error_code, description, retry_after, times, chat_id, after)
        )

    def stall_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Carry out the next calls of ``method`` but answer late (delivered, then timed out)."""
        self._stall_rules.append(StallRule(method.lower(), seconds, times))

    def hold_next(self, method: str, chat_id: int | None = None) -> asyncio.Event:
        """Hold the next call of ``method`` (to ``chat_id``) before the double acts on it,
        until the returned event is set: nothing of it is stored or answered meanwhile, so
        a test sees what the bot does while that call is on its way. Release it within the
        bot's read timeout (5 s), or the bot gives the call up."""
        released = asyncio.Event()
        self._holds.append((method.lower(), chat_id, released))
        return released

    async def _hold(self, method: str, params: dict[str, Any]) -> None:
        for hold in self._holds:
            wanted, chat_id, released = hold
            if wanted == method and (
                chat_id is None or str(chat_id) == str(params.get("chat_id"))
            ):
                self._holds.remove(hold)
                await released.wait()
                return

    def open_chat(self, user_id: int) -> None:
        """Test set-up: this user talked to the bot some time ago (so it may write to them)."""
        self._known_chats.add(user_id)

    def block(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def messages_in(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self._messages.get(chat_id, []) if not m.deleted]

    def commands_for(self, chat_id: int, language_code: str = "") -> list[dict[str, str]]:
        """The command menu a user sees in this private chat (Telegram's scope order)."""
        chat = f"chat:{chat_id}"
        for scope, lang in (
            (chat, language_code),
            (chat, ""),
            ("all_private_chats", language_code),
            ("all_private_chats", ""),
            ("default", language_code),
            ("default", ""),
        ):
            found = self._commands.get((scope, lang))
            if found:
                return found
        return []

    async def settle(self, quiet: float | None = None, timeout: float = 10.0) -> None:
        """Wait until every update was fetched and confirmed, no call is being answered,
        the bot has been silent for ``quiet`` s, and no :attr:`busy_checks` says it is still
        working.

        ``quiet`` defaults to :data:`QUIET`, or to :data:`EXACT_QUIET` when
        :attr:`exact_checks` says the checks see everything the bot does; then a bot told
        to wait (429) is not waited for either: its pause is work a check sees.
        """
        if quiet is None:
            quiet = EXACT_QUIET if self.exact_checks else QUIET
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            # Confirmed, not only fetched: a bot stores a batch before it confirms it, and
            # starts handling it then (as a bot without an inbox did on fetching).
            fetched = self.confirmed_upto >= self._enqueued_upto
            retried = self.exact_checks or now >= self._retry_due
            quiet_enough = now - self._last_activity >= quiet and not self._answering
            busy = fetched and retried and quiet_enough and await self._busy()
            if fetched and retried and quiet_enough and not busy:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"the bot did not settle within {timeout}s "
                    f"(updates fetched: {fetched}, last call: {self.calls[-1:]})"
                )
            if busy:
                await self._next_change(BUSY_RECHECK)
            else:
                await asyncio.sleep(max(0.001, min(quiet / 3, 0.05)))

    async def _next_change(self, timeout: float) -> None:
        """Wait until the double is called or changed, or ``timeout`` s pass.

        While the bot is at work (a handler running, a send held to Telegram's pace for up
        to a second, a tick), what it does next mostly reaches the double, which wakes this
        at once; asking the busy checks every few milliseconds meanwhile woke the event
        loop some 250 times per end-to-end test for nothing. The timeout covers work that
        ends without a call (a handler that stores only)."""
        assert self._changed is not None, "start() the double first"
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait()
            except TimeoutError:
                pass

    async def _busy(self) -> bool:
        """Whether any busy check says the bot is at work (the checks in order, the first
        that says so ends it: cheap ones go first)."""
        for check in self.busy_checks:
            answer = check()
            if not isinstance(answer, bool):
                answer = await answer
            if answer:
                return True
        return False

    # ------------------------------------------------------- used by DoubleUser

    def next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def bot_user_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def file(self, file_id: str) -> StoredFile:
        """A file the double holds (uploaded by the bot or sent by a user), for tests."""
        return self._files[file_id]

    def store_file(self, data: bytes, file_path: str, mime_type: str | None = None) -> StoredFile:
        file_id = "F" + secrets.token_urlsafe(24)
        stored = StoredFile(file_id, "U" + secrets.token_urlsafe(8), data, file_path, mime_type)
        self._files[file_id] = stored
        return stored

    def new_query_id(self) -> str:
        query_id = str(secrets.randbelow(10**18))
        self._queries[query_id] = False
        self._query_born[query_id] = time.monotonic()
        return query_id

    def on_call(self, hook: CallHook) -> None:
        """Call ``hook`` around every Bot API call (a crash test kills the bot from here)."""
        self.hooks.append(hook)

    def run_hooks(self, stage: str, method: str, params: dict[str, Any], result: Any) -> bool:
        """Run the tests' hooks (a webhook delivery is method ``webhook``, its update the
        params and, in the response stage, the HTTP status the result)."""
        dropped = False
        for hook in list(self.hooks):
            dropped = bool(hook(stage, method, params, result)) or dropped
        return dropped

    @property
    def delivered_upto(self) -> int:
        return self._delivered_upto

    def resume_update_ids(self, after: int) -> None:
        """Number the next updates after ``after``, as Telegram does for a bot that has
        seen updates up to it (its ids only ever grow): a playground reopened on its
        database would otherwise send ids the bot stored as handled, and get no answer."""
        self._update_ids = itertools.count(max(after, self._enqueued_upto) + 1)

    async def wait_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the bot has confirmed ``update_id`` (asked for a higher offset)."""
        await self.wait_until(lambda: self.confirmed_upto >= update_id, timeout)

    async def enqueue(self, payload: dict[str, Any], chat_id: int) -> dict[str, Any]:
        """Queue an update (``payload`` is e.g. ``{"message": {...}}``); returns it whole."""
        update = {"update_id": next(self._update_ids), **payload}
        self._known_chats.add(chat_id)
        self.limiter.credit(chat_id)
        self._updates.append(update)
        self._update_chats[update["update_id"]] = chat_id
        self._enqueued_upto = update["update_id"]
        self._last_activity = time.monotonic()
        if self.webhook is not None:
            self.webhook.wake()
        await self._notify()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not confirmed yet, oldest first (a webhook's queue, or getUpdates')."""
        return self._updates

    def chat_of_update(self, update_id: int) -> int | None:
        return self._update_chats.get(update_id)

    async def acknowledge(self, update_id: int) -> None:
        """The webhook answered 2xx: Telegram forgets the update. ``confirmed_upto`` stays
        the highest id below which every update is confirmed (a webhook acknowledges out of
        order across chats)."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._delivered_upto = max(self._delivered_upto, update_id)
        upto = self._updates[0]["update_id"] - 1 if self._updates else self._enqueued_upto
        if upto > self.confirmed_upto:
            self.confirmed_upto = upto
            self.offset_confirmations.append((time.monotonic(), upto))
        self._last_activity = time.monotonic()
        await self._notify()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:
        assert self._changed is not None, "start() the double first"
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    def message_json(self, message: SentMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_json(message.chat_id),
            "from": self.bot_user_json(),
        }
        if message.kind == "text":
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        else:
            if message.kind == "photo":
                data["photo"] = [self._photo_size(self._files[f]) for f in message.file_ids]
            elif message.kind == "document":
                data["document"] = self._document_json(self._files[message.file_ids[0]])
            if message.text:
                data["caption"] = message.text
                if message.entities:
                    data["caption_entities"] = message.entities
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edited:
            data["edit_date"] = int(time.time())
        return data

    # ------------------------------------------------------------------ HTTP

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    @staticmethod
    def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    async def _params(self, request: web.Request, method: str) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        for name, value in request.query.items():
            params[name] = decode_field(self.spec, method, name, value)
        if request.method == "POST" and request.body_exists:
            form = await request.post()
            for name, field in form.items():
                if isinstance(field, web.FileField):
                    data = field.file.read()
                    stored = self.store_file(data, f"uploads/{field.filename}", field.content_type)
                    params[name] = {"__file__": stored.file_id, "filename": field.filename}
                else:
                    params[name] = decode_field(self.spec, method, name, str(field))
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        name = request.match_info["method"]
        method = name.lower()
        if method == "getupdates":  # a long poll waiting is not work in progress
            return await self._answer(name, method, await self._params(request, method))
        self._answering += 1
        self._last_activity = time.monotonic()
        try:
            params = await self._params(request, method)
            return await self._answer(name, method, params)
        finally:
            self._answering -= 1
            self._last_activity = time.monotonic()

    async def _answer(self, name: str, method: str, params: dict[str, Any]) -> web.Response:
        self.stats[method] += 1
        try:
            self._check_spec(name, params)
            await self._hold(method, params)
            if self.run_hooks("request", method, params, None):
                raise ApiError(502, "Bad Gateway")
            self._apply_fail_rules(method, params)
            handler = self._methods.get(method)
            if handler is None:
                if self.spec is not None and not self.spec.has(method):
                    raise ApiError(404, "Not Found")
                self.unimplemented_calls.append(name)
                raise ApiError(
                    400, "Bad Request: method not implemented by the Pembina test double"
                )
            result = await handler(params)
        except ApiError as exc:
            if exc.code == 429:
                self.stats["429"] += 1
                # the bot retries after retry_after; settle() waits for that (with a margin)
                self._retry_due = time.monotonic() + (exc.retry_after or 1) + 0.5
            self.calls.append(CallRecord(name, params, exc.code, exc.description))
            return self._error(exc.code, exc.description, exc.retry_after)
        self.calls.append(CallRecord(name, params, 200))
        self.run_hooks("response", method, params, result)
        await self._stall(method)
        return web.json_response({"ok": True, "result": result})

    def _check_spec(self, name: str, params: dict[str, Any]) -> None:
        if self.spec is None:
            return
        problems = self.spec.problems(name, params)
        if problems:
            self.spec_violations.extend(f"{name}: {p}" for p in problems)
            raise ApiError(
                400,
                f"Bad Request: {problems[0]} (checked against the Bot API spec by the double)",
            )

    def _apply_fail_rules(self, method: str, params: dict[str, Any]) -> None:
        for rule in self._fail_rules:
            if rule.method != method or rule.times <= 0:
                continue
            if rule.chat_id is not None and params.get("chat_id") != rule.chat_id:
                continue
            if rule.after > 0:
                rule.after -= 1
                continue
            rule.times -= 1
            raise ApiError(rule.error_code, rule.description, rule.retry_after)

    async def _stall(self, method: str) -> None:
        for rule in self._stall_rules:
            if rule.method == method and rule.times > 0:
                rule.times -= 1
                await asyncio.sleep(rule.seconds)
                return

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data)
        return web.Response(status=404)

    # --------------------------------------------------------------- helpers

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        user = self._users.get(chat_id)
        data: dict[str, Any] = {
            "id": chat_id,
            "type": "private",
            "first_name": user.first_name if user else "User",
        }
        if user and user.username:
            data["username"] = user.username
        return data

    @staticmethod
    def _photo_size(stored: StoredFile) -> dict[str, Any]:
        """Read from the bytes each time: cheap (headers only) and nothing to keep in step."""
        width, height = image_size(stored.data) or UNKNOWN_PHOTO_SIZE
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.data),
        }

    @staticmethod
    def _document_json(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_path.rsplit("/", 1)[-1],
            "mime_type": stored.mime_type or "application/octet-stream",
            "file_size": len(stored.data),
        }

    def _target_chat(self, params: dict[str, Any], field: str = "chat_id") -> int:
        raw = params.get(field)
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(raw, str):
            if raw.lstrip("-").isdigit():
                raw = int(raw)
            else:
                raise ApiError(400, "Bad Request: chat not found")
        chat_id = int(raw)
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self._known_chats:
            if chat_id < 0:
                raise ApiError(400, "Bad Request: chat not found")
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    @staticmethod
    def _parse(
        text: Any, parse_mode: Any, limit: int, what: str
    ) -> tuple[str, list[dict[str, Any]]]:
        text = "" if text is None else str(text)
        if parse_mode == "HTML":
            try:
                plain, entities = parse_html(text)
            except HtmlError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        else:
            plain, entities = text, []
        if what == "text" and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > limit:
            kind = "message" if what == "text" else "message caption"
            raise ApiError(400, f"Bad Request: {kind} is too long")
        return plain, entities

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup  # reply keyboards etc. are stored as given
        actions = (
            "callback_data",
            "url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "login_url",
            "web_app",
            "pay",
            "callback_game",
            "copy_text",
            "switch_inline_query_chosen_chat",
        )
        for row in rows:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                present = [a for a in actions if a in button]
                if len(present) != 1:
                    raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode())
                    if not 1 <= size <= 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _rate_limit(self, chat_id: int) -> None:
        wait = self.limiter.check(chat_id)
        if wait is not None:
            self.stats["429_provoked"] += 1  # by the bot's pace, not injected by a test
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    async def _store(self, message: SentMessage) -> SentMessage:
        self._messages.setdefault(message.chat_id, []).append(message)
        await self._notify()
        return message

    def _find(self, params: dict[str, Any], missing: str) -> SentMessage:
        chat_id = self._target_chat(params)
        wanted = params.get("message_id")
        for message in self._messages.get(chat_id, []):
            if message.message_id == wanted and not message.deleted:
                return message
        raise ApiError(400, f"Bad Request: {missing}")

    # ---------------------------------------------------------- Bot API methods

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        poll = self._newest_poll = next(self._polls)
        await self._notify()  # a long poll still waiting is overtaken: it ends with 409
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if offset - 1 > self.confirmed_upto:
                self.confirmed_upto = offset - 1
                self.offset_confirmations.append((time.monotonic(), offset - 1))
                self._last_activity = time.monotonic()
                await self._notify()
        deadline = time.monotonic() + timeout
        overtaken = lambda: self._newest_poll != poll  # noqa: E731
        while not self._updates and not self._closing and not overtaken():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                await self.wait_until(
                    lambda: bool(self._updates) or self._closing or overtaken(), remaining
                )
            except TimeoutError:
                break
        if overtaken():
            raise ApiError(409, OTHER_POLLER)
        batch = self._updates[:limit]
        if batch:
            self._delivered_upto = max(self._delivered_upto, batch[-1]["update_id"])
            self._last_activity = time.monotonic()
        return batch

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        if not params.get("url"):
            return await self._m_deleteWebhook(params)
        webhook = webhook_from(params)
        if params.get("drop_pending_updates"):
            await self._drop_pending()
        if self.webhook is not None:  # set again (every worker does at start): same queue
            self.webhook.webhook = webhook
            self.webhook.wake()
        else:
            self.webhook = Pusher(
                self, webhook, retry_delays=self.webhook_retry_delays, timeout=self.webhook_timeout
            )
            self.webhook.start()
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if params.get("drop_pending_updates"):
            await self._drop_pending()
        return True

    async def _drop_pending(self) -> None:
        self._updates.clear()
        self._delivered_upto = self.confirmed_upto = self._enqueued_upto
        await self._notify()

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info.update(self.webhook.info())
        return info

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._target_chat(params)
        text, entities = self._parse(params.get("text"), params.get("parse_mode"), 4096, "text")
        markup = self._check_markup(params.get("reply_markup"))
        self._rate_limit(chat_id)
        message = await self._store(
            SentMessage(
                message_id=self.next_message_id(chat_id),
                chat_id=chat_id,
                date=int(time.time()),
                text=text,
                html=str(params.get("text")),
                entities=entities,
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
            )
        )
        return self.message_json(message)

    async def _media(self, params: dict[str, Any], field: str, kind: str) -> SentMessage:
        chat_id = self._target_chat(params)
        caption, entities = self._parse(
            params.get("caption"), params.get("parse_mode"), 1024, "caption"
        )
        markup = self._check_markup(params.get("reply_markup"))
        file_id = self._file_param(params.get(field), kind)
        self._rate_limit(chat_id)
        return await self._store(
            SentMessage(
                message_id=self.next_message_id(chat_id),
                chat_id=chat_id,
                date=int(time.time()),
                kind=kind,
                text=caption,
                html=str(params.get("caption") or ""),
                entities=entities,
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
                file_ids=[file_id],
            )
        )

    def _file_param(self, value: Any, kind: str) -> str:
        if isinstance(value, dict) and "__file__" in value:
            file_id = str(value["__file__"])
            if kind == "photo":
                self._check_uploaded_photo(file_id)
            return file_id
        if isinstance(value, str) and value in self._files:
            return value
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.store_file(b"", f"remote/{kind}", None).file_id
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _check_uploaded_photo(self, file_id: str) -> None:
        """Telegram decodes an uploaded photo; a refused upload is not kept (nor downloadable)."""
        stored = self._files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        try:
            check_photo(stored.data)
        except ApiError:
            del self._files[file_id]
            raise

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self.message_json(await self._media(params, "photo", "photo"))

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return self.message_json(await self._media(params, "document", "document"))

    async def _m_sendMediaGroup(self, params: dict[str, Any]) -> Any:
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of messages in the media group")
        sent = []
        for item in media:
            ref = item.get("media", "")
            if isinstance(ref, str) and ref.startswith("attach://"):
                ref = params.get(ref[len("attach://") :])
            kind = "photo" if item.get("type") == "photo" else "document"
            part = {
                "chat_id": params.get("chat_id"),
                kind: ref,
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
            }
            sent.append(self.message_json(await self._media(part, kind, kind)))
        return sent

    async def _m_copyMessage(self, params: dict[str, Any]) -> Any:
        source = self._find(
            {"chat_id": params.get("from_chat_id"), "message_id": params.get("message_id")},
            "message to copy not found",
        )
        chat_id = self._target_chat(params)
        self._rate_limit(chat_id)
        copy = await self._store(
            SentMessage(
                message_id=self.next_message_id(chat_id),
                chat_id=chat_id,
                date=int(time.time()),
                kind=source.kind,
                text=source.text,
                html=source.html,
                entities=source.entities,
                parse_mode=source.parse_mode,
                file_ids=list(source.file_ids),
            )
        )
        return {"message_id": copy.message_id}

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        message = self._find(params, "message to edit not found")
        text, entities = self._parse(params.get("text"), params.get("parse_mode"), 4096, "text")
        markup = self._check_markup(params.get("reply_markup"))
        if (
            text == message.text
            and entities == message.entities
            and markup == message.reply_markup
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current content "
                "and reply markup of the message",
            )
        message.history.append(message.html)
        message.text, message.html, message.entities = text, str(params.get("text")), entities
        message.parse_mode, message.reply_markup, message.edited = (
            params.get("parse_mode"),
            markup,
            True,
        )
        await self._notify()
        return self.message_json(message)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self._find(params, "message to edit not found")
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current content "
                "and reply markup of the message",
            )
        message.reply_markup, message.edited = markup, True
        await self._notify()
        return self.message_json(message)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        message = self._find(params, "message to delete not found")
        message.deleted = True
        await self._notify()
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        born = self._query_born.get(query_id, 0.0)
        if self._queries.get(query_id, True) or time.monotonic() - born > self.query_ttl:
            self.stats["query_too_old"] += 1
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or "
                "query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._queries[query_id] = True
        user_id = next((u.user_id for u in self._users.values() if query_id in u.query_ids), None)
        self.callback_answers.append(
            {
                "id": query_id,
                "text": text,
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
                "user_id": user_id,
            }
        )
        await self._notify()
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return "default"
        if isinstance(scope, str):
            scope = json.loads(scope)
        kind = scope.get("type", "default")
        if kind in ("chat", "chat_administrators"):
            return f"{kind}:{scope.get('chat_id')}"
        if kind == "chat_member":
            return f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
        return str(kind)

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = str(command.get("command", ""))
            if not 1 <= len(name) <= 32 or not set(name) <= _COMMAND_NAME_CHARS:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        await self._notify()
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self._commands.get(key, [])

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    async def _m_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


# ----------------------------------------------------------------- photo bytes


def check_photo(data: bytes) -> None:
    """Raise the ``ApiError`` Telegram answers for an uploaded photo it would refuse."""
    if len(data) > MAX_UPLOADED_PHOTO_BYTES:
        raise ApiError(400, PHOTO_TOO_BIG)
    size = image_size(data)
    if size is None or min(size) == 0:
        raise ApiError(400, PHOTO_NOT_AN_IMAGE)
    width, height = size
    if width + height > MAX_PHOTO_SIDES or max(size) > MAX_PHOTO_RATIO * min(size):
        raise ApiError(400, PHOTO_BAD_DIMENSIONS)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP; ``None`` when ``data`` is none of them.

    Pillow reads the header only (no decoding), as Telegram's first check would.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size if image.format in _PHOTO_FORMATS else None
    except (UnidentifiedImageError, OSError, ValueError):
        return None
