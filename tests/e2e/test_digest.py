"""The supervisor's Monday digest: hand-computed figures, no reflection text, once a week."""

from __future__ import annotations

from datetime import datetime

from bot.scheduler import run_due_work
from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons

SECRET = "RAHASIA-jawaban-pribadi"


async def _tick(bot: BotUnderTest, iso: str) -> dict[str, int]:
    bot.clock.set(datetime.fromisoformat(iso))
    done = await run_due_work(bot.svc)
    await bot.drained()
    return done


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
    assert done["digests"] == 2  # Agus (supervisor) and Siti (coordinator)
    assert (await _tick(bot, "2026-12-16T04:00:00+00:00"))["digests"] == 0
    text = "\n".join(m.text for m in agus.unread())
    assert "Ringkasan mingguan · Bidang Pengembangan SDM (3 peserta)" in text
    assert (
        "Budi Santoso · Perubahan 2027\nRefleksi minggu lalu: ✅ sudah · minggu ini: ❌ belum · beruntun 1 minggu"
        in text
    )
    assert "JP tahun ini: 2/20" in text
    assert "Dewi Lestari · Perubahan 2027\nRefleksi minggu lalu: ❌ belum" in text
    assert "Made Wirawan" in text
    assert "Maria Kogoya" not in text  # not in Agus's unit
    assert SECRET not in text
    assert "⚠️" not in text

    # A week later Dewi and Made have missed two weeks: flagged.
    done = await _tick(bot, "2026-12-21T00:45:00+00:00")  # Monday 07:45 WIB
    assert done["digests"] == 2
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
    budi.unread()  # (a milestone notice came on Monday 21 Dec)
    await budi.send_text("/ringkasan")
    assert "untuk atasan dan koordinator" in (await budi.next_message()).text
