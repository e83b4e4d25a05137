"""Implausible and hostile numbers: refused with the limit stated, never an overflow."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flows import limits, programmes
from bot.flows.programmes import NewProgramme
from bot.flows.roster import parse_roster
from bot.flows.services import Services
from bot.telegram_double import TelegramDouble
from storage import conversations, reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import NIPS, paired

HUGE = "9" * 400
SORRY = "terjadi gangguan"  # common.error: what a crash looks like to the person


async def test_week_hours_over_the_limit_are_refused_with_the_limit(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    for answer in ("Menyusun rancangan", "Wawancara", "Data kurang", "Rapat"):
        await budi.send_text(answer)
        await budi.next_message()
    for typed in ("100", "500", "41 jam", HUGE, f"{HUGE} menit", "0"):
        await budi.send_text(typed)
        reply = await budi.next_message()
        assert SORRY not in reply.text, typed
        assert "paling banyak 40 jam dalam seminggu" in reply.text, typed
        assert "pertanyaan 5 dari 5" in reply.text
    await budi.send_text("dua jam")
    assert "belum bisa membaca jumlah jam" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
    assert draft.minutes is None
    assert "4" not in draft.answers
    await budi.send_text("40")
    assert "Ringkasan refleksi" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        [draft] = await reflections.of_person(conn, 5, 1)
    assert draft.minutes == 40 * 60


async def test_session_length_over_the_limit_is_refused_with_the_limit(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    await rina.send_text("/sesi")
    await rina.press(await rina.next_message(), "Budi Santoso")
    await rina.press(await rina.next_message(), "Hari ini")
    await rina.next_message()
    for typed in ("9 jam", "600 menit", HUGE):
        await rina.send_text(typed)
        reply = await rina.next_message()
        assert SORRY not in reply.text, typed
        assert "paling lama 8 jam" in reply.text, typed
    await rina.send_text("lama sekali")
    assert "Lama sesi tidak terbaca" in (await rina.next_message()).text
    await rina.send_text("8 jam")
    assert "topik" in (await rina.next_message()).text


async def test_programme_start_far_away_is_refused_in_the_wizard(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti = users["Siti Rahmawati"]
    await siti.send_text("/newprogram")
    await siti.next_message()
    await siti.send_text("Latsar 9999")
    await siti.press(await siti.next_message(), 0)
    await siti.next_message()
    await siti.send_text("20-12-9999")  # its 12-week default end would overflow the calendar
    reply = await siti.next_message()
    assert SORRY not in reply.text
    assert "dalam 366 hari dari hari ini" in reply.text
    await double.settle()
    async with bot.svc.db.read() as conn:
        conv = await conversations.get_conversation(conn, siti.user_id)
    assert conv is not None
    assert conv.step == "start"


async def test_programme_dates_outside_plausible_years_are_refused(svc: Services) -> None:
    """The command line's path: no OverflowError computing milestones past year 9999."""
    created = await programmes.create(
        svc,
        NewProgramme(
            name="Latsar Jauh",
            kind="latsar",
            starts_on=date(9999, 12, 1),
            ends_on=date(9999, 12, 31),
            reflection_weekday=4,
            member_nips=NIPS,
        ),
    )
    assert created.programme is None
    assert (
        "dates_years",
        {"first_year": str(limits.FIRST_YEAR), "last_year": str(limits.LAST_YEAR)},
    ) in created.problems


@pytest.mark.parametrize("capacity", ["²", "٣", "9" * 5000, "-1", "21"])
def test_roster_capacity_is_read_without_a_crash(capacity: str) -> None:
    """``str.isdigit`` says yes to "²" and to 5000 digits; ``int`` then raised."""
    text = f"nip,name,role,capacity\n198209142008012003,Rina,mentor,{capacity}\n"
    assert [(e.line, e.key) for e in parse_roster(text).errors] == [(2, "capacity")]
