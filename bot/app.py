"""Builds the python-telegram-bot Application: handlers, defaults, rate limiter, services.

Every handler is registered here, in one place, in the order that matters: group -1 keeps
people inside a registration, group 0 does the work. Updates reach the handlers through the
durable inbox (``bot/inbox.py``), which stores each one before Telegram is told it arrived
and marks it done with the handler's first write; PTB's ``Updater`` is not used. They arrive
by long polling, or in webhook mode by our own endpoint (``bot/webhook.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from ssl import SSLContext
from typing import Any

import httpx
from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import menus
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.flows.services import Services
from bot.handlers import (
    coordinator,
    dialogue,
    fallback,
    history,
    join,
    ledger,
    members,
    milestones,
    pairing,
    personal_data,
    preferences,
    programme_wizard,
    progress,
    record,
    reflect,
    register,
    report,
    review,
    sessions,
    start,
    who,
)
from bot.handlers import digest as digest_handlers
from bot.handlers import nudges as nudge_handlers
from bot.handlers import ratings as rating_handlers
from bot.handlers.context import CONTEXT_TYPES, Context
from bot.i18n import LANGUAGES, t
from bot.inbox import Inbox, Poller, UpdatesRequest
from bot.json_request import JsonRequest
from bot.leadership import Announce, Leadership
from bot.outbox_sender import OutboxSender
from bot.routes import Handler, Routes
from bot.scheduler import Scheduler
from bot.send_limits import PER_SECOND, SendLimiter, SharedBudget
from bot.webhook import WebhookConfig, WebhookRefused, WebhookServer
from storage import outbox
from storage.db import Database
from storage.leader import LeaderLock
from storage.migrate import upgrade

log = logging.getLogger(__name__)

PembinaApp = Application  # type: ignore[type-arg]
PRIVATE = filters.ChatType.PRIVATE


@dataclass(slots=True)
class Running:
    """What :func:`start_bot` started and :func:`stop_bot` stops."""

    app: PembinaApp
    sender: OutboxSender
    scheduler: Scheduler
    inbox: Inbox
    poller: Poller | None  # long polling, or
    leadership: Leadership
    webhook: WebhookServer | None = None  # webhook mode


class LeaderWork:
    """What only the leader process runs: the outbox sender and the minute scheduler."""

    def __init__(self, sender: OutboxSender, scheduler: Scheduler) -> None:
        self.sender, self.scheduler = sender, scheduler

    async def lead(self) -> None:
        """Rows a dead leader had claimed go out again, then send and tick."""
        await self.sender.recover()
        self.sender.start()
        self.scheduler.start()

    async def step_down(self) -> None:
        await self.scheduler.stop()
        await self.sender.stop()


def services_for(settings: Settings, db: Database, clock: Clock) -> Services:
    """The flows' services from the settings (the bot, the CLI and the playground alike)."""
    return Services(
        db=db,
        clock=clock,
        admin_ids=frozenset(settings.pembina_admin_ids),
        default_timezone=settings.pembina_timezone,
        default_language=settings.pembina_language,
        invite_ttl=timedelta(days=settings.pembina_invite_ttl_days),
        digest_weekday=settings.pembina_digest_day,
        digest_time=settings.pembina_digest_time,
        nudge_grace=timedelta(hours=settings.pembina_nudge_grace_hours),
        digest_grace=timedelta(days=settings.pembina_digest_grace_days),
        nudge_rate=settings.pembina_nudge_rate,
        max_upload_bytes=settings.pembina_max_upload_mb * 1024 * 1024,
    )


@asynccontextmanager
async def operator_services(settings: Settings) -> AsyncIterator[Services]:
    """For commands an operator runs without Telegram: a migrated database, the wall clock."""
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        yield services_for(settings, db, SystemClock())
    finally:
        await db.dispose()


def rate_limiter(db: Database | None = None, per_second: int = PER_SECOND) -> SendLimiter:
    """One limiter for replies and outbox messages alike: 29 in any second overall, 20 in
    any minute per group, from a cold start too; a 429 pauses all sends (bot/send_limits.py).
    On PostgreSQL the 29 a second and the pause are shared by every process on ``db``."""
    shared = SharedBudget(db, per_second) if db is not None and not db.is_sqlite else None
    return SendLimiter(per_second, shared=shared)


@cache
def _tls() -> SSLContext:
    """The certificates httpx trusts by default, loaded once per process: each client
    would otherwise load the whole CA bundle again (about 50 ms of CPU, twice per start)."""
    return httpx.create_ssl_context()


def _request(pool: int) -> HTTPXRequest:
    """python-telegram-bot's own default client (pool size as its builder sets it), on the
    process's one TLS context, sending JSON bodies (``bot/json_request.py``)."""
    return JsonRequest(connection_pool_size=pool, httpx_kwargs={"verify": _tls()})


def _updates_request() -> UpdatesRequest:
    """The same for ``getUpdates`` (a pool of one), keeping each batch's JSON for the inbox."""
    return UpdatesRequest(connection_pool_size=1, httpx_kwargs={"verify": _tls()})


def build_application(
    settings: Settings,
    token: str,
    *,
    clock: Clock | None = None,
    send_per_second: int = PER_SECOND,
) -> PembinaApp:
    """The Application with its services attached; nothing is contacted yet.

    ``send_per_second`` is the bot's ceiling (Telegram's, less one): a load test raises it
    together with its double's limits, to prove the same pacing in less time."""
    db = Database(settings.database_url)
    services = services_for(settings, db, clock or SystemClock())
    updates_request = _updates_request()
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .context_types(CONTEXT_TYPES)
        .rate_limiter(rate_limiter(db, send_per_second))
        .request(_request(256))
        .get_updates_request(updates_request)
        .updater(None)  # our Poller stores each batch before confirming it (bot/inbox.py)
        .build()
    )
    app.bot_data.services = services
    app.bot_data.updates_request = updates_request
    register_handlers(app)
    return app


CommandCallback = Callable[[Update, Context], Coroutine[Any, Any, None]]
# The callback of each command in bot/menus.py's table (names, roles and order live there).
HANDLERS: dict[str, CommandCallback] = {
    "start": start.start,
    "help": members.show_help,
    "profile": members.show_profile,
    "language": preferences.choose_language,
    "timezone": preferences.choose_timezone,
    "cancel": dialogue.cancel,
    "reflect": reflect.start,
    "review": review.waiting,
    "progress": progress.show,
    "milestones": milestones.show,
    "session": sessions.start,
    "mentor": pairing.show_mentor,
    "mentees": pairing.show_mentees,
    "pause": nudge_handlers.pause,
    "resume": nudge_handlers.resume,
    "digest": digest_handlers.show,
    "newprogram": programme_wizard.start,
    "programs": pairing.show_programmes,
    "match": pairing.match,
    "requests": join.list_requests,
    "people": members.show_people,
    "invite": members.invite,
    "unlink": members.unlink,
    "ratings": rating_handlers.show,
    "ledger": ledger.send,
    "history": history.show,
    "who": who.show,
    "changementor": coordinator.change_mentor,
    "deactivate": coordinator.deactivate,
    "activate": coordinator.activate,
    "audit": coordinator.show_audit,
    "mydata": personal_data.send_my_data,
    "erase": personal_data.ask_erasure,
    "report": report.send,
    "record": record.send,
}
if set(HANDLERS) != set(menus.BY_KEY):  # a row without a callback, or a callback without a row
    raise RuntimeError(f"commands and handlers differ: {set(HANDLERS) ^ set(menus.BY_KEY)}")


def register_handlers(app: PembinaApp) -> None:
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, register.guard_commands), group=-1)
    app.add_handler(Routes(work_handlers()))
    app.add_error_handler(fallback.on_error)  # type: ignore[arg-type]


def work_handlers() -> list[Handler]:
    """Group 0, in the order that matters (the first that takes an update handles it);
    :class:`bot.routes.Routes` asks only those that could take it."""
    new = PRIVATE & filters.UpdateType.MESSAGE
    return [
        # An edited message is never a new answer (it would land on whatever step is open
        # now): it is caught first, before commands; the text handlers take new messages only.
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, dialogue.on_edit),
        *(
            CommandHandler(command.names, HANDLERS[command.key], filters=PRIVATE)
            for command in menus.COMMANDS
        ),
        CallbackQueryHandler(register.on_button, pattern=r"^reg:"),
        CallbackQueryHandler(join.on_decision, pattern=r"^jr:"),
        CallbackQueryHandler(preferences.on_language, pattern=r"^lang:"),
        CallbackQueryHandler(preferences.on_timezone, pattern=r"^tz:"),
        CallbackQueryHandler(pairing.on_pair_button, pattern=r"^pair:"),
        CallbackQueryHandler(pairing.on_match_button, pattern=r"^match:"),
        CallbackQueryHandler(reflect.on_button, pattern=r"^rf:"),
        CallbackQueryHandler(review.on_button, pattern=r"^rv:"),
        CallbackQueryHandler(sessions.on_button, pattern=r"^ss:"),
        CallbackQueryHandler(programme_wizard.on_button, pattern=r"^pw:"),
        CallbackQueryHandler(nudge_handlers.on_button, pattern=r"^nd:"),
        CallbackQueryHandler(rating_handlers.on_button, pattern=r"^rn:"),
        CallbackQueryHandler(who.on_button, pattern=r"^who:"),
        CallbackQueryHandler(history.on_button, pattern=r"^hs:"),
        CallbackQueryHandler(coordinator.on_button, pattern=r"^pg:"),
        CallbackQueryHandler(coordinator.on_audit_button, pattern=r"^au:"),
        CallbackQueryHandler(personal_data.on_button, pattern=r"^er:"),
        CallbackQueryHandler(report.on_button, pattern=r"^rp:"),
        CallbackQueryHandler(milestones.on_button, pattern=r"^ms:"),
        CallbackQueryHandler(record.on_button, pattern=r"^kt:"),
        CallbackQueryHandler(fallback.unknown_button),
        MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command),
        MessageHandler(new & filters.TEXT & ~filters.COMMAND, dialogue.on_text),
        MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, dialogue.on_other),
    ]


async def has_work(running: Running) -> bool:
    """Whether the bot still has work in hand now, exactly, so whoever waits for it (the
    playground before its prompt, the end-to-end tests) needs no silence timer: updates
    stored but not handled yet, a file being built, the outbox sender draining (sends in
    flight, a 429 pause) or woken, a scheduler tick running or due, or outbox rows the
    sender can claim now and has not claimed. Rows planned for later are not work now.
    Rows of a chat still cooling down go when it is ready (the sender wakes itself then);
    any other is a row queued without a wake (by a flow called directly, or another
    process): the sender is woken."""
    if (
        running.inbox.waiting > 0
        or running.app.bot_data.exports.busy
        or running.sender.busy
        or running.scheduler.busy
    ):
        return True
    services = services_of(running.app)
    async with services.db.read_alone() as conn:  # one statement
        due = await outbox.chats_due(conn, services.clock.now(), datetime.now(UTC))
    if due - running.sender.cooling:
        running.sender.wake()
    return bool(due)


def services_of(app: PembinaApp) -> Services:
    services = app.bot_data.services
    assert isinstance(services, Services)
    return services


async def set_default_menus(app: PembinaApp) -> None:
    """The menu strangers see, in Indonesian (default) and English."""
    for language in LANGUAGES:
        commands = [
            BotCommand(c.name(language), t(language, f"command.{c.key}"))
            for c in menus.commands_for((), known=False)
        ]
        await app.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == "id" else language,
        )


async def start_bot(
    app: PembinaApp,
    *,
    poll_timeout: int = 10,
    announce: Announce | None = None,
    webhook: WebhookConfig | None = None,
) -> Running:
    """Initialise, handle what was stored before a restart, then poll, or (``webhook``)
    listen and tell Telegram where to send updates; the outbox sender and the scheduler
    start when this process becomes the leader (at once on SQLite). ``announce`` is told
    the catalogue key of each change of leadership."""
    await app.initialize()
    services = services_of(app)
    services.bot_username = app.bot.username
    sender = OutboxSender(services, app.bot)
    services.outbox_wake = sender.wake
    await set_default_menus(app)
    await app.start()
    inbox = Inbox(services.db, services.clock, app.bot, app.process_update)
    await inbox.recover()  # undone rows are scheduled before anything newly fetched
    poller, server = None, None
    if webhook is None:
        poller = Poller(
            app.bot,
            inbox,
            timeout=poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            request=app.bot_data.updates_request,
        )
        await poller.start()
    else:
        server = WebhookServer(webhook, inbox, services.db)
        try:
            await server.start()
            await server.register(app.bot, list(Update.ALL_TYPES))
        except WebhookRefused:  # nothing runs yet but what is stopped here
            await server.stop()
            await inbox.stop()
            await app.stop()
            await app.shutdown()
            await services.db.dispose()
            raise
    scheduler = Scheduler(services)
    work = LeaderWork(sender, scheduler)
    leadership = Leadership(
        LeaderLock(services.db.url), work.lead, work.step_down, announce=announce
    )
    await leadership.start()
    return Running(app, sender, scheduler, inbox, poller, leadership, server)


async def stop_bot(running: Running) -> None:
    """Stop polling or listening first (no new work; a webhook lets its open requests
    finish and stays set), finish the updates in hand, then give up the leadership
    (scheduler and sender stop, the lock is freed) and stop the Application. Updates
    stored but not begun wait in the inbox for the next start."""
    app = running.app
    if running.poller is not None:
        await running.poller.stop()
    if running.webhook is not None:
        await running.webhook.stop()
    await running.inbox.stop()
    await running.leadership.stop()
    await app.bot_data.exports.stop()  # Application.stop would wait for them to finish
    if app.running:
        await app.stop()
    await app.shutdown()
    await services_of(app).db.dispose()


async def run_until_stopped(
    app: PembinaApp,
    stop: asyncio.Event,
    *,
    announce: Announce | None = None,
    webhook: WebhookConfig | None = None,
    started: Callable[[], None] | None = None,
) -> None:
    """Run until ``stop`` is set; ``started`` is called once updates can arrive."""
    running = await start_bot(app, announce=announce, webhook=webhook)
    if started is not None:
        started()
    try:
        await stop.wait()
    finally:
        await stop_bot(running)


__all__ = ["Context", "PembinaApp", "Running", "build_application", "start_bot", "stop_bot"]
