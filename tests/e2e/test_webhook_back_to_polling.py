"""README, Deployment: "``pembina run`` without ``--webhook`` removes the webhook first".

A bot that ran as webhook workers and is started again by long polling must not be met
with 409 for ever: the poller deletes the webhook before its first ``getUpdates``.
"""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import FixedClock
from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest


async def test_polling_after_webhook_mode_removes_the_webhook_and_answers(
    double: TelegramDouble, db_url: str, clock: FixedClock
) -> None:
    async with Bot(
        double.token, base_url=double.base_url, request=HTTPXRequest()
    ) as earlier_worker:
        assert await earlier_worker.set_webhook("http://127.0.0.1:9/telegram/hook")
    assert double.webhook is not None

    polling = BotUnderTest(double, db_url, clock)
    await polling.start()
    try:
        user = double.user(851, first_name="Rudi")
        await user.send_text("/start")
        assert (await user.next_message(timeout=30)).text
        assert double.webhook is None
    finally:
        await polling.stop()
