"""The supervisor's Monday digest: hand-computed figures, no reflection text, once a week."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.scheduler import run_due_work
from bot.telegram_double import TelegramDouble
from bot.telegram_double.server import image_size
from storage import nudges as nudge_records
from storage.schema import outbox as outbox_table
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons

SECRET = "RAHASIA-jawaban-pribadi"


async def _tick(bot: BotUnderTest, iso: str) -> dict[str, int]:
    bot.clock.set(datetime.fromisoformat(iso))
    done = await run_due_work(bot.svc)
    await bot.drained()
    return done


async def _chart_points(bot: BotUnderTest, monday: str) -> list[list[object]]:
    """The figures queued for Agus's chart (worded and drawn when sent) for the digest of
    ``monday``."""
    async with bot.svc.db.read() as conn:
        row = await conn.execute(
            select(outbox_table.c.params).where(
                outbox_table.c.dedup_key == f"digest:2:{monday}:chart"
            )
        )
        figures = row.scalar_one()
    assert figures["unit"] == "Bidang Mutasi, Bidang Pengembangan SDM"
    return list(figures["points"])


async def test_weekly_digest(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi, rina, agus = users["Budi Santoso"], users["Rina Kartika"], users["Dr. Agus Salim"]
    await submit_reflection(bot, budi, (SECRET, SECRET, SECRET, SECRET, "1,5"))
    await rina.press(with_buttons(rina.unread()), "✅ Setujui")
    await bot.drained()
    for user in users.values():
        user.unread()

    # Down over Monday 07:30: the digest comes on Wednesday (within three days), once.
    assert (await _tick(bot, "2026-12-13T23:00:00+00:00"))["digests"] == 0  # Mon 06:00 WIB
    done = await _tick(bot, "2026-12-16T03:00:00+00:00")  # Wednesday 10:00 WIB
    assert done["digests"] == 3  # Agus (supervisor), Siti and the configured admin
    assert (await _tick(bot, "2026-12-16T04:00:00+00:00"))["digests"] == 0
    received = agus.unread()
    [chart] = [m for m in received if m.kind == "photo"]
    assert received[-1] is chart  # after the text
    assert "Tingkat refleksi mingguan <b>Bidang Mutasi, Bidang Pengembangan SDM</b>" in chart.html
    assert image_size(double.file(chart.file_ids[0]).data) == (800, 400)
    # Week of 7 Dec: Budi reflected, Dewi and Made did not; the week of 14 Dec is not due.
    assert await _chart_points(bot, "2026-12-14") == [["2026-12-07", 1, 3]]
    text = "\n".join(m.text for m in received if m.kind == "text")
    # Titled with the units it lists: Made works in another unit than Agus.
    assert "Ringkasan mingguan · Bidang Mutasi, Bidang Pengembangan SDM (3 peserta)" in text
    assert (
        "Budi Santoso · Perubahan 2027\nRefleksi minggu lalu: ✅ sudah"
        " · minggu ini: ⏳ tenggat Jumat 18-12 · beruntun 1 minggu"
    ) in text
    assert "JP tahun ini: 2/20" in text
    assert "Dewi Lestari · Perubahan 2027\nRefleksi minggu lalu: ❌ belum" in text
    assert "Made Wirawan" in text
    assert "Maria Kogoya" not in text  # not in Agus's unit
    assert SECRET not in text
    assert "⚠️" not in text

    # A week later Dewi and Made have missed two weeks: flagged.
    done = await _tick(bot, "2026-12-21T00:45:00+00:00")  # Monday 07:45 WIB
    assert done["digests"] == 3
    assert await _chart_points(bot, "2026-12-21") == [["2026-12-07", 1, 3], ["2026-12-14", 0, 3]]
    text = "\n".join(m.text for m in agus.unread())
    assert text.count("⚠️ dua minggu atau lebih tanpa refleksi") == 2

    # The coordinator's programme-wide digest came on Monday too.
    siti = users["Siti Rahmawati"]
    overview = "\n".join(m.text for m in siti.unread())
    assert "Ringkasan program" in overview
    assert "• Bidang Pengembangan SDM: 1/2 (50%)" in overview  # Budi yes, Dewi no (last week)
    assert "Mentee belum berpasangan: -" in overview
    assert SECRET not in overview

    # On demand: /ringkasan for the supervisor, refused for a mentee.
    await agus.send_text("/ringkasan")
    assert "Ringkasan mingguan" in (await agus.next_message()).text
    chart = await agus.next_message()
    assert chart.kind == "photo"
    assert image_size(double.file(chart.file_ids[0]).data) == (800, 400)
    budi.unread()  # (a milestone notice came on Monday 21 Dec)
    await budi.send_text("/ringkasan")
    assert "untuk atasan dan koordinator" in (await budi.next_message()).text


async def test_digest_day_and_time_are_configurable_and_local(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """PEMBINA_DIGEST_DAY=jumat, PEMBINA_DIGEST_TIME=16:00: Friday 16:00 on each person's
    own clock, so the coordinator in WIT gets it two hours before the supervisor in WIB."""
    users = await paired(bot, double)
    agus, siti = users["Dr. Agus Salim"], users["Siti Rahmawati"]
    await siti.send_text("/timezone")
    zones = await siti.next_message()
    await siti.press(zones, 2)  # WIB, WITA, WIT
    await double.settle()
    assert "WIT" in siti.current(zones).text
    bot.svc.digest_weekday, bot.svc.digest_time = 4, time(16, 0)
    await agus.send_text("/start")  # the greeting promises the configured day and time
    assert "Setiap Jumat pukul 16:00 Anda menerima ringkasan" in (await agus.next_message()).text

    assert (await _tick(bot, "2026-12-18T06:59:00+00:00"))["digests"] == 0  # 15:59 WIT
    assert (await _tick(bot, "2026-12-18T07:00:00+00:00"))["digests"] == 1  # 16:00 WIT
    assert "Ringkasan program" in siti.unread()[0].text
    assert agus.unread() == []
    assert (await _tick(bot, "2026-12-18T08:59:00+00:00"))["digests"] == 0  # 15:59 WIB
    assert (await _tick(bot, "2026-12-18T09:00:00+00:00"))["digests"] == 2  # Agus, admin
    assert "Ringkasan mingguan" in agus.unread()[0].text
    # Monday 07:30 is an ordinary morning now.
    assert (await _tick(bot, "2026-12-21T00:31:00+00:00"))["digests"] == 0


async def test_digest_grace_is_configurable(bot: BotUnderTest, double: TelegramDouble) -> None:
    """PEMBINA_DIGEST_GRACE_DAYS=1: back on Tuesday 07:31 WIB, a minute past the grace,
    Monday's digest is not sent a day late; with the default three days it is."""
    users = await paired(bot, double)
    bot.svc.digest_grace = timedelta(days=1)
    assert (await _tick(bot, "2026-12-15T00:31:00+00:00"))["digests"] == 0  # Tue 07:31 WIB
    assert users["Dr. Agus Salim"].unread() == []
    bot.svc.digest_grace = timedelta(days=3)
    assert (await _tick(bot, "2026-12-15T00:31:00+00:00"))["digests"] == 3
    assert "Ringkasan mingguan" in users["Dr. Agus Salim"].unread()[0].text


async def test_down_across_the_digest_time_one_digest_after_restart(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """The real scheduler: the bot is stopped on Sunday and started on Monday at 10:00 WIB.
    Its first tick, at start, sends the missed digest; a second restart sends nothing."""
    users = await paired(bot, double)
    agus = users["Dr. Agus Salim"]
    await bot.stop()
    bot.clock.set(datetime.fromisoformat("2026-12-14T03:00:00+00:00"))  # Mon 10:00 WIB
    await bot.start()
    first = await agus.next_message(timeout=15)
    assert "Ringkasan mingguan · Bidang Mutasi, Bidang Pengembangan SDM" in first.text
    await bot.drained()
    assert [m.kind for m in agus.unread()] == ["photo"]  # the chart follows

    await bot.restart()
    await asyncio.sleep(1)  # the tick at start has run
    await bot.drained()
    assert agus.unread() == []
    async with bot.svc.db.read() as conn:
        digests = await nudge_records.recorded(conn, "digest", {"2026-12-14"})
    assert len(digests) == 2  # Agus and Siti, each once


async def test_no_programme_no_digest_but_a_hint_on_demand(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """Before any programme has mentees a coordinator gets no empty Monday digest, and
    /ringkasan says what to do instead."""
    admin = double.user(ADMIN_ID)
    await admin.send_text("/ringkasan")
    assert "Belum ada program aktif" in (await admin.next_message()).text
    assert (await _tick(bot, "2026-12-14T00:45:00+00:00"))["digests"] == 0  # Mon 07:45 WIB
    assert admin.unread() == []
