"""Nudges over two programme weeks, across WIB, WITA and WIT, with Christmas in the way."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.flows import pairing as pairing_flow
from bot.flows import programmes
from bot.scheduler import run_due_work
from bot.telegram_double import DoubleUser, TelegramDouble
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import (
    PROGRAMME,
    create_programme,
    everyone_joins,
    paired,
    submit_reflection,
)


async def _tick(bot: BotUnderTest, double: TelegramDouble, iso: str) -> dict[str, int]:
    bot.clock.set(datetime.fromisoformat(iso))
    done = await run_due_work(bot.svc)
    await bot.drained()
    return done


def _texts(user: DoubleUser) -> list[str]:
    return [m.text for m in user.unread()]


async def test_reflection_nudges_by_zone_holiday_snooze_and_pause(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, dewi, made, maria = (
        users[n] for n in ("Budi Santoso", "Dewi Lestari", "Made Wirawan", "Maria Kogoya")
    )

    # Friday 11 Dec 00:30 UTC: 09:30 in Jayapura (WIT), 08:30 Makassar, 07:30 Jakarta.
    done = await _tick(bot, double, "2026-12-11T00:30:00+00:00")
    assert done["reflection_nudges"] == 1
    assert "Waktunya refleksi mingguan" in _texts(maria)[0]
    assert _texts(budi) == []
    assert _texts(made) == []
    # 02:30 UTC: 09:30 WIB, 10:30 WITA. Maria is not nudged twice.
    done = await _tick(bot, double, "2026-12-11T02:30:00+00:00")
    assert done["reflection_nudges"] == 3
    assert [len(_texts(u)) for u in (budi, dewi, made, maria)] == [1, 1, 1, 0]
    # Again the same minute (a second scheduler, a restart): nothing more.
    assert (await _tick(bot, double, "2026-12-11T02:31:00+00:00"))["reflection_nudges"] == 0

    # Budi writes it from the nudge's button; Dewi snoozes until next week; Made pauses.
    nudge = budi.messages[-1]
    await budi.press(nudge, "✍️ Tulis sekarang")
    for answer in ("Satu", "Dua", "Tiga", "Empat", "1"):
        await budi.next_message()
        await budi.send_text(answer)
    await double.settle()
    await budi.press([m for m in budi.unread() if m.buttons][-1], "📤 Kirim ke mentor")
    await dewi.press(dewi.messages[-1], "📅 Snooze until next week")  # Dewi reads English
    await made.send_text("/jeda 18-12-2026")
    await double.settle()
    assert "dijeda sampai akhir 18-12-2026" in _texts(made)[-1]
    assert "snoozed until Monday 14-12-2026 07:00" in dewi.messages[-1].text
    for user in users.values():
        user.unread()

    # Tuesday 15 Dec (two working days after Friday), 09:30 WIB: the reminder goes to Maria
    # and to Dewi, whose snooze ended with the new week; not to Budi (sent) or Made (paused).
    done = await _tick(bot, double, "2026-12-15T02:30:00+00:00")
    assert done["reflection_nudges"] == 2
    assert "belum terkirim" in _texts(maria)[0]
    assert "has not been sent yet" in _texts(dewi)[0]
    assert _texts(budi) == []
    assert _texts(made) == []

    # Outside working hours nothing goes out, even when due.
    assert (await _tick(bot, double, "2026-12-18T13:30:00+00:00"))[
        "reflection_nudges"
    ] == 0  # 20:30 WIB

    # Week of 21 Dec: Friday 25 is Christmas and 24 is cuti bersama, so the due nudge waits
    # for Monday 28 Dec. Made's pause ended on the 18th.
    assert (await _tick(bot, double, "2026-12-25T02:30:00+00:00"))["reflection_nudges"] == 0
    done = await _tick(bot, double, "2026-12-28T02:30:00+00:00")
    assert done["reflection_nudges"] == 4  # Budi, Dewi and Made (WIB/WITA) and Maria
    assert "minggu 21-12-2026" in _texts(made)[-1]


async def test_mentor_nudged_about_reviews_waiting_over_48_hours(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ("Satu", "Dua", "Tiga", "Empat", "1"))
    rina.unread()
    assert (await _tick(bot, double, "2026-12-08T03:00:00+00:00"))["review_nudges"] == 0  # 25 h
    done = await _tick(bot, double, "2026-12-09T03:00:00+00:00")  # 49 h, 10:00 WIB
    assert done["review_nudges"] == 1
    text = _texts(rina)[0]
    assert "1 refleksi menunggu tinjauan Anda lebih dari 2 hari" in text
    assert "Budi Santoso (2 hari)" in text
    assert (await _tick(bot, double, "2026-12-09T05:00:00+00:00"))[
        "review_nudges"
    ] == 0  # once a day


async def test_offer_and_milestone_nudges(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    programme = await programmes.by_name(bot.svc, PROGRAMME)
    assert programme is not None
    await pairing_flow.apply(bot.svc, None, programme)  # four offers, nobody answers
    await bot.drained()
    for user in users.values():
        user.unread()
    # Tuesday 10:00 WIB, 25 hours later: one reminder per mentor per day (Rina has two offers).
    assert (await _tick(bot, double, "2026-12-08T03:00:00+00:00"))["offer_nudges"] == 2
    assert "masih menunggu jawaban Anda" in _texts(users["Rina Kartika"])[0]
    assert (await _tick(bot, double, "2026-12-09T03:00:00+00:00"))["offer_nudges"] == 2
    assert (await _tick(bot, double, "2026-12-09T05:00:00+00:00"))["offer_nudges"] == 0

    # The design milestone (due 21 Dec) is announced once, on a working day within three
    # days of it: a scheduler that only runs on Monday 21 Dec still announces it.
    done = await _tick(bot, double, "2026-12-21T02:30:00+00:00")
    assert done["milestone_nudges"] == 4
    assert "Rancangan proyek perubahan disetujui" in _texts(users["Budi Santoso"])[-1]


async def test_nudge_grace_is_configurable(bot: BotUnderTest, double: TelegramDouble) -> None:
    """PEMBINA_NUDGE_GRACE_HOURS=1: the bot back at 10:30 on the reflection day is past the
    grace of the 09:00 nudge, so it is skipped, not sent late; with 24 hours it is sent."""
    await paired(bot, double)
    bot.svc.nudge_grace = timedelta(hours=1)
    assert (await _tick(bot, double, "2026-12-11T03:30:00+00:00"))["reflection_nudges"] == 0
    bot.svc.nudge_grace = timedelta(hours=24)
    assert (await _tick(bot, double, "2026-12-11T03:30:00+00:00"))["reflection_nudges"] == 4
