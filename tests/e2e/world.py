"""A small programme world for end-to-end tests: the demo roster joined, a programme, pairs."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from bot.flows import programmes
from bot.flows.programmes import NewProgramme
from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from tests.conftest import DEMO_ROSTER
from tests.e2e.conftest import BotUnderTest

NIPS = tuple(line.split(",")[0] for line in DEMO_ROSTER.read_text().splitlines()[1:])
IDS = {
    "Siti Rahmawati": 601,
    "Dr. Agus Salim": 602,
    "Rina Kartika": 603,
    "Yohanes Wenda": 604,
    "Budi Santoso": 605,
    "Dewi Lestari": 606,
    "Made Wirawan": 607,
    "Maria Kogoya": 608,
}
PROGRAMME = "Perubahan 2027"


async def everyone_joins(bot: BotUnderTest, double: TelegramDouble) -> dict[str, DoubleUser]:
    codes = await bot.import_demo_roster()
    users = {}
    for name, user_id in IDS.items():
        user = double.user(user_id, first_name=name.split()[0])
        await user.send_text(f"/start {codes[name]}")
        await user.next_message()
        users[name] = user
    return users


async def create_programme(bot: BotUnderTest) -> None:
    created = await programmes.create(
        bot.svc,
        NewProgramme(
            name=PROGRAMME,
            kind="perubahan",
            starts_on=date(2026, 12, 7),
            ends_on=date(2027, 3, 26),
            reflection_weekday=4,
            member_nips=NIPS,
        ),
    )
    assert created.problems == []


async def paired(bot: BotUnderTest, double: TelegramDouble) -> dict[str, DoubleUser]:
    """Everyone joined; the coordinator matched in chat and every mentor accepted."""
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    siti = users["Siti Rahmawati"]
    await siti.send_text(f"/match {PROGRAMME}")
    await siti.press(await siti.next_message(), 0)
    await bot.drained()
    for mentor in ("Rina Kartika", "Yohanes Wenda"):
        for offer in [m for m in users[mentor].unread() if m.buttons]:
            await users[mentor].press(offer, 0)
    await bot.drained()
    for user in users.values():
        user.unread()
    return users


def with_buttons(messages: list[SentMessage]) -> SentMessage:
    """The last of these messages that has buttons."""
    return [m for m in messages if m.buttons][-1]


async def submit_reflection(bot: BotUnderTest, user: DoubleUser, answers: tuple[str, ...]) -> None:
    """/refleksi, one answer per question, then Send (and wait until the mentor has it)."""
    await user.send_text("/refleksi")
    for answer in answers:
        await user.send_text(answer)
    await bot.double.settle()
    await user.press(with_buttons(user.unread()), "📤 Kirim ke mentor")
    await bot.drained()
    user.unread()


async def late_approval_and_a_pause(bot: BotUnderTest, users: dict[str, DoubleUser]) -> None:
    """The first week of :func:`paired`'s programme as the digest tests read it: Budi sends
    his reflection on Saturday, a day late (one hour, 1,3 JP), and Rina approves it; Dewi
    is on leave until Friday the 18th; Made sends nothing. Everyone's chat is read."""
    budi, dewi, rina = users["Budi Santoso"], users["Dewi Lestari"], users["Rina Kartika"]
    bot.clock.set(datetime.fromisoformat("2026-12-12T03:00:00+00:00"))  # Sat 10:00 WIB
    await submit_reflection(bot, budi, ("Satu", "Dua", "Tiga", "Empat", "1"))
    await rina.press(with_buttons(rina.unread()), "✅ Setujui")
    await bot.drained()
    await dewi.send_text("/jeda 18-12-2026")
    await bot.drained()
    for user in users.values():
        user.unread()


async def texts_until(user: DoubleUser, wanted: str, timeout: float) -> list[str]:
    """The texts ``user`` receives until one contains ``wanted`` (a restarted bot may say
    other things first); fails after ``timeout`` seconds, listing what came."""
    texts: list[str] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(wanted in text for text in texts):
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(f"no {wanted!r} in {texts}")
        texts.append((await user.next_message(timeout=left)).text)
    return texts
