"""One person's updates handled at once by two bot processes sharing a PostgreSQL database.

Two ``Application`` objects, each with its own ``Database`` (its own connection pool, as two
processes have) and its own inbox, get one answer each of the same mentee at the same
moment, as two webhook workers would. Each answer must land on its own question: before the
per-person lock, both read "question 1 is open" and one answer overwrote the other.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.app import PembinaApp, build_application, services_of
from bot.inbox import Inbox
from bot.telegram_double import DoubleUser, TelegramDouble
from storage import people, reflections
from tests import postgres
from tests.e2e.conftest import BotUnderTest, settings_for
from tests.e2e.world import IDS, create_programme, everyone_joins

pytestmark = pytest.mark.skipif(
    postgres.SERVER is None,
    reason="needs PostgreSQL: two processes (two connection pools) on one SQLite file are "
    "serialised by BEGIN IMMEDIATE and the lanes of one process",
)

MENTEES = ("Budi Santoso", "Dewi Lestari", "Made Wirawan", "Maria Kogoya")
_update_ids = itertools.count(50_000_000)  # far from the double's own ids


@pytest_asyncio.fixture
async def second(bot: BotUnderTest, double: TelegramDouble) -> AsyncIterator[Inbox]:
    """A second bot process: its own Application, pool and inbox (fed as a webhook would)."""
    app: PembinaApp = build_application(
        settings_for(double, bot.db_url), double.token, clock=bot.clock
    )
    await app.initialize()
    services_of(app).bot_username = app.bot.username
    inbox = Inbox(services_of(app).db, bot.clock, app.bot, app.process_update)
    yield inbox
    await inbox.stop()
    await app.shutdown()
    await services_of(app).db.dispose()


def _text_update(user: DoubleUser, text: str) -> dict[str, Any]:
    """What Telegram would deliver for ``text`` from ``user`` (not queued in the double)."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": user.double.next_message_id(user.user_id),
            "date": int(time.time()),
            "chat": {"id": user.user_id, "type": "private", "first_name": user.first_name},
            "from": {"id": user.user_id, "is_bot": False, "first_name": user.first_name},
            "text": text,
            **(
                {"entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}
                if text.startswith("/")
                else {}
            ),
        },
    }


async def test_two_answers_at_once_in_two_processes_are_both_kept(
    bot: BotUnderTest, double: TelegramDouble, second: Inbox
) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    assert bot.running is not None
    first = bot.running.inbox
    rounds = 0
    for name in MENTEES:
        user = users[name]
        await user.send_text("/refleksi")
        opened = (await user.next_message()).text
        assert "pertanyaan 1 dari 5" in opened or "question 1 of 5" in opened
        for pair in ((0, 1), (2, 3)):
            texts = [f"{name} jawaban {index + 1}" for index in pair]
            await asyncio.gather(
                first.accept([_text_update(user, texts[0])]),
                second.accept([_text_update(user, texts[1])]),
            )
            await first.drained(10)
            await second.drained(10)
            await double.settle()
            user.unread()
            async with bot.svc.db.read() as conn:
                mine = await reflections.open_of_person(conn, await _person_id(bot, name))
            answers = set(mine[0].answers.values())
            assert set(texts) <= answers, (name, pair, mine[0].answers)
            rounds += 1
    assert rounds == 8


async def _person_id(bot: BotUnderTest, name: str) -> int:
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, IDS[name])
    assert person is not None
    return person.id


async def test_one_update_given_to_two_processes_is_handled_once(
    bot: BotUnderTest, double: TelegramDouble, second: Inbox
) -> None:
    """Both processes have the update (a redelivery, or both recovering it after a crash):
    the one that waited for the person finds it done and does nothing, not even reply."""
    users = await everyone_joins(bot, double)
    assert bot.running is not None
    budi = users["Budi Santoso"]
    for _ in range(5):
        update = _text_update(budi, "/help")
        await asyncio.gather(bot.running.inbox.accept([update]), second.accept([update]))
        await bot.running.inbox.drained(10)
        await second.drained(10)
        await double.settle()
        replies = budi.unread()
        assert len(replies) == 1
        assert "/refleksi" in replies[0].text  # the help, not "not understood"
