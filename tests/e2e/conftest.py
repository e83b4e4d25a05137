"""End-to-end fixtures: the real PTB Application over HTTP against the Telegram double.

Nothing of our own is mocked: the bot long-polls the double on loopback, writes a real
SQLite file, and the double checks every request against the official Bot API field list
when ``../shared/telegram-bot-api/api.min.json`` is beside the repository.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
import pytest_asyncio

from bot.app import Running, build_application, has_work, services_of, start_bot, stop_bot
from bot.clock import FixedClock
from bot.config import Settings
from bot.flows.roster_import import import_roster, validate_roster
from bot.flows.services import Services
from bot.outbox_sender import PRIVATE_INTERVAL
from bot.send_limits import PER_SECOND
from bot.telegram_double import RateLimits, TelegramDouble
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import DEMO_ROSTER, SPEC_PATH

ADMIN_ID = 900


def scaled(factor: int, limits: RateLimits | None = None) -> RateLimits:
    """Telegram's limits, overall and per private chat, ``factor`` times over (per group
    unchanged), for a test whose bot sends ``factor`` times as fast (``BotUnderTest.factor``):
    the same pacing (never over a limit, no 429, in order) proven in a ``factor``-th of the
    time."""
    base = limits or RateLimits()
    return replace(
        base,
        global_per_second=base.global_per_second * factor,
        global_burst=base.global_burst * factor,
        per_chat_per_second=base.per_chat_per_second * factor,
    )


def ceiling(request: pytest.FixtureRequest) -> int:
    """The test's ``@pytest.mark.ceiling(factor)``: how many times Telegram's limits (the
    overall one, and one a second per person) its bot keeps and its double allows (1
    unless marked)."""
    marker = request.node.get_closest_marker("ceiling")
    return int(marker.args[0]) if marker is not None else 1


@pytest_asyncio.fixture
async def double(request: pytest.FixtureRequest) -> AsyncIterator[TelegramDouble]:
    spec = SPEC_PATH if SPEC_PATH.exists() else None
    async with TelegramDouble(spec_path=spec, rate_limits=scaled(ceiling(request))) as tg:
        yield tg
        assert tg.spec_violations == [], tg.spec_violations
        assert tg.unimplemented_calls == []


def settings_for(double: TelegramDouble, db_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=double.token,  # type: ignore[arg-type]
        telegram_api_base_url=double.base_url,
        database_url=db_url,
        pembina_admin_ids=[ADMIN_ID],
    )


@dataclass
class BotUnderTest:
    """A running bot and what a test needs to drive and restart it."""

    double: TelegramDouble
    db_url: str
    clock: FixedClock
    running: Running | None = None
    # How many times Telegram's pace the bot sends at (overall ceiling, and the outbox's
    # pace per person): a test raises it together with its double's limits (``scaled``).
    factor: int = 1

    @property
    def svc(self) -> Services:
        assert self.running is not None
        return services_of(self.running.app)

    async def start(self) -> None:
        database = Database(self.db_url)
        await upgrade(database)
        await database.dispose()
        app = build_application(
            settings_for(self.double, self.db_url),
            self.double.token,
            clock=self.clock,
            send_per_second=PER_SECOND * self.factor,
        )
        services_of(app).chat_interval = PRIVATE_INTERVAL / self.factor
        self.running = await start_bot(app, poll_timeout=1)

    async def stop(self) -> None:
        if self.running is not None:
            await stop_bot(self.running)
            self.running = None

    async def busy(self) -> bool:
        """Whether the bot still has work now, exactly (:func:`bot.app.has_work`), so
        :meth:`TelegramDouble.settle` needs no silence timer."""
        return self.running is not None and await has_work(self.running)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def drained(self, timeout: float = 10.0) -> None:
        """Wait until the bot has handled every update it stored, then until the outbox sender has sent
        (or given up on) everything due now."""
        await self.double.settle(timeout=timeout)
        assert self.running is not None
        await self.running.inbox.drained(timeout)  # every stored update handled
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            async with self.svc.db.read() as conn:
                counts = await outbox.counts(conn)
            if not counts.get("pending") and not counts.get("sending"):
                break
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"outbox not drained: {counts}")
            self.svc.outbox_wake()
            await asyncio.sleep(0.05)
        await self.double.settle()

    async def import_demo_roster(self) -> dict[str, str]:
        """Load the demo roster; returns invite codes by name."""
        parsed = await validate_roster(self.svc, DEMO_ROSTER.read_text(encoding="utf-8"))
        report = await import_roster(self.svc, parsed)
        return {person.name: invite.code for person, invite in report.invites}


@pytest_asyncio.fixture
async def bot(
    double: TelegramDouble, db_url: str, clock: FixedClock, request: pytest.FixtureRequest
) -> AsyncIterator[BotUnderTest]:
    under_test = BotUnderTest(double, db_url, clock, factor=ceiling(request))
    double.busy_checks.append(under_test.busy)
    double.exact_checks = True  # settle() then waits for the bot's work, not for silence
    await under_test.start()
    yield under_test
    await under_test.stop()


@pytest.fixture
def spec_checked(double: TelegramDouble) -> bool:
    """Whether requests are checked against the official Bot API field list in this run."""
    return double.spec_checked
