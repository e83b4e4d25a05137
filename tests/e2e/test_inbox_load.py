"""300 people press a button at once and each at once writes again: every press is answered
within Telegram's 15 s (the double refuses a later answer as "query is too old"), every
pressed message is edited, and each person's next message is handled after their press.

Before the inbox, updates were handled one at a time, so the last presses were answered
after the 15 s were over.

The bot sends at twice Telegram's ceiling into a double allowing twice its limit
(``ceiling(2)``): the 900 messages take half the 31 s they take at 29 a second. Presses are
still answered within Telegram's 15 s (about 5 s here, 9 s on a loaded PostgreSQL leg, which
leaves no room for a shorter limit). One-at-a-time handling would still miss it, by less
than at 29 a second: its last press would come after the 599 paced messages before it
(10.3 s at 58 a second) and the 599 updates' own handling (about 10 ms each), 16 s or more.
"""

from __future__ import annotations

import time

import pytest

from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest

PEOPLE = 300
FIRST = 70_000
ENGLISH = "🇬🇧 English"


@pytest.mark.long
@pytest.mark.ceiling(2)
async def test_300_presses_at_once_all_answered_in_time_and_in_order(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = [double.user(FIRST + n, first_name=f"P{n}") for n in range(PEOPLE)]
    for user in users:
        await user.send_text("/language")
    menus = [await user.next_message(timeout=60) for user in users]
    await double.settle()

    pressed_at = time.monotonic()
    for user, menu in zip(users, menus, strict=True):
        await user.press(menu, ENGLISH)
        await user.send_text("/help")  # must be answered after the press: in English
    await double.wait_until(lambda: len(double.callback_answers) >= PEOPLE, timeout=60)
    answered_in = time.monotonic() - pressed_at
    await bot.drained(timeout=60)

    print(f"answered within {answered_in:.1f} s")
    assert double.stats["query_too_old"] == 0, answered_in
    assert answered_in < 15, answered_in
    assert len({a["id"] for a in double.callback_answers}) == PEOPLE
    for user, menu in zip(users, menus, strict=True):
        assert user.current(menu).text == "All right, I will speak English."
        [help_reply] = user.unread()
        assert help_reply.text.startswith("Pembina: you are not registered yet."), help_reply
