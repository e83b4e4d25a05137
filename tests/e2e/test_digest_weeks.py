"""The digest reports each week as it stands, and only once there is something to report."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.scheduler import run_due_work
from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import late_approval_and_a_pause, paired


async def _tick(bot: BotUnderTest, iso: str) -> dict[str, int]:
    bot.clock.set(datetime.fromisoformat(iso))
    done = await run_due_work(bot.svc)
    await bot.drained()
    return done


async def test_first_start_mid_week_sends_no_digest_for_weeks_before_the_programme(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """The programme starts on Monday 7 Dec; the bot is first started on Wednesday. The
    Monday slot is within the grace, but it had nothing to report: no digest, and the
    week before the programme is not a missed week."""
    users = await paired(bot, double)
    agus, siti = users["Dr. Agus Salim"], users["Siti Rahmawati"]
    admin = double.user(900)
    await bot.stop()
    bot.clock.set(datetime.fromisoformat("2026-12-09T03:00:00+00:00"))  # Wed 10:00 WIB
    await bot.start()
    await asyncio.sleep(1.5)  # the tick at start has run
    await bot.drained()
    assert agus.unread() == []
    assert siti.unread() == []
    assert admin.unread() == []

    await agus.send_text("/ringkasan")
    text = (await agus.next_message()).text
    assert "Refleksi minggu lalu: — tidak wajib · minggu ini: ⏳ tenggat Jumat 11-12" in text
    assert "❌" not in text
    assert "refleksi minggu lalu: belum ada yang wajib" in text
    await bot.drained()
    agus.unread()

    # The next Monday the first week was due: the digest comes.
    assert (await _tick(bot, "2026-12-14T00:45:00+00:00"))["digests"] == 3  # 07:45 WIB
    assert "Ringkasan mingguan" in agus.unread()[0].text


async def test_digest_weeks_late_paused_due_and_numbers_agree(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    agus, siti = users["Dr. Agus Salim"], users["Siti Rahmawati"]
    await late_approval_and_a_pause(bot, users)  # Budi late, approved; Dewi on leave

    assert (await _tick(bot, "2026-12-14T00:45:00+00:00"))["digests"] == 3  # Mon 07:45 WIB
    text = "\n".join(m.text for m in agus.unread() if m.kind == "text")
    budi_line = text[text.index("Budi Santoso") :].split("\n\n")[0]
    dewi_line = text[text.index("Dewi Lestari") :].split("\n\n")[0]
    made_line = text[text.index("Made Wirawan") :].split("\n\n")[0]
    # A late reflection is not plain ✅; a week just begun is not ❌.
    assert "Refleksi minggu lalu: ✅ sudah, terlambat" in budi_line
    assert "minggu ini: ⏳ tenggat Jumat 18-12" in budi_line
    assert "Tidak ada yang menunggu tinjauan" in budi_line
    assert "(terlama 0 hari)" not in text
    # Decimal comma, as in /progres.
    assert "JP tahun ini: 1,3/20" in budi_line
    # A paused person says so.
    assert "⏸ pengingat dijeda s.d. 18-12-2026" in dewi_line
    assert "minggu ini: ⏸ dijeda" in dewi_line
    assert "Refleksi minggu lalu: ❌ belum" in made_line
    # Titled with the units listed, each with the rate the coordinator sees.
    assert "Ringkasan mingguan · Bidang Mutasi, Bidang Pengembangan SDM (3 peserta)" in text
    assert "🏢 Bidang Mutasi · 1 peserta · refleksi minggu lalu: 0/1 (0%)" in text
    assert "🏢 Bidang Pengembangan SDM · 2 peserta · refleksi minggu lalu: 1/2 (50%)" in text
    overview = "\n".join(m.text for m in siti.unread())
    assert "• Bidang Mutasi: 0/1 (0%)" in overview
    assert "• Bidang Pengembangan SDM: 1/2 (50%)" in overview
    assert "• BKPSDM Kab. Jayapura: 0/1 (0%)" in overview

    await budi.send_text("/progres")
    assert "1,3" in (await budi.next_message()).text
