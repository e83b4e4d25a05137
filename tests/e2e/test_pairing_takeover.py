"""A guest who knows a roster person's NIP cannot take over that person by a careless
approval, and a coordinator can undo a wrong link so the real person's invite works."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram_double import TelegramDouble
from storage import people
from tests.e2e.conftest import BotUnderTest
from tests.e2e.test_onboarding import _register
from tests.e2e.world import IDS

BUDI_NIP = "199503172020121005"


async def _budi_account(bot: BotUnderTest) -> int | None:
    async with bot.svc.db.read() as conn:
        budi = await people.get_person_by_nip(conn, BUDI_NIP)
    assert budi is not None
    return budi.telegram_id


async def test_a_guest_with_a_roster_nip_needs_a_warned_choice_and_can_be_unlinked(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    siti = double.user(IDS["Siti Rahmawati"], first_name="Siti")
    await siti.send_text(f"/start {codes['Siti Rahmawati']}")
    await siti.next_message()
    await double.settle()
    assert "unlink" in siti.menu()

    guest = double.user(777, first_name="Tamu")
    await _register(guest, BUDI_NIP, "Tamu Palsu", "Bidang Mutasi")
    card = await siti.next_message()
    # The card says plainly that the NIP is someone else's who has not used their invite.
    assert "Budi Santoso" in card.text
    assert "belum memakai tautan undangannya sendiri" in card.text

    # Approving as usual does not bind: it warns and asks for an explicit choice.
    await siti.press(card, "✅ Mentee")
    await double.settle()
    assert double.callback_answers[-1]["show_alert"] is True
    assert "Budi Santoso" in double.callback_answers[-1]["text"]
    assert await _budi_account(bot) is None
    warned = siti.current(card)
    assert "Belum dihubungkan" in warned.text
    assert [b["text"] for b in warned.buttons] == [
        "⚠️ Tetap hubungkan ke Budi Santoso sebagai peserta (mentee)",
        "❌ Tolak",
    ]
    assert guest.unread() == []

    # The coordinator insists: now the guest speaks for Budi, and Budi's link is refused.
    await siti.press(warned, 0)
    await bot.drained()
    assert "disetujui" in (await guest.next_message()).text
    assert await _budi_account(bot) == 777
    budi = double.user(IDS["Budi Santoso"], first_name="Budi")
    await budi.send_text(f"/start {codes['Budi Santoso']}")
    assert "sudah terhubung ke akun Telegram lain" in (await budi.next_message()).text
    await bot.drained()
    alarm = siti.unread()[-1].text
    assert "tautan undangan pribadi Budi Santoso yang belum pernah dipakai" in alarm
    assert f"/unlink {BUDI_NIP}" in alarm

    # Unlinking frees Budi's entry (in Indonesian too); his own invite then works.
    await siti.send_text("/lepas")
    assert "/unlink NIP" in (await siti.next_message()).text
    await siti.send_text(f"/unlink {BUDI_NIP}")
    done = await siti.next_message()
    assert "tidak lagi terhubung" in done.text
    assert codes["Budi Santoso"] in done.text  # the same, still unused link
    await bot.drained()
    assert "melepaskan akun Telegram ini" in (await guest.next_message()).text
    assert await _budi_account(bot) is None
    await guest.send_text("/profile")
    assert "Budi" not in (await guest.next_message()).text

    await budi.send_text(f"/start {codes['Budi Santoso']}")
    assert "Budi Santoso" in (await budi.next_message()).text
    assert await _budi_account(bot) == IDS["Budi Santoso"]

    # Nothing left to unlink for someone not linked; a non-coordinator may not unlink.
    await siti.send_text("/unlink 199612252022031007")
    assert "tidak terhubung" in (await siti.next_message()).text
    await budi.send_text(f"/unlink {BUDI_NIP}")
    await budi.next_message()
    assert await _budi_account(bot) == IDS["Budi Santoso"]


async def test_an_expired_unused_invite_still_needs_the_warned_choice(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    codes = await bot.import_demo_roster()
    siti = double.user(IDS["Siti Rahmawati"], first_name="Siti")
    await siti.send_text(f"/start {codes['Siti Rahmawati']}")
    await siti.next_message()
    bot.clock.advance(timedelta(days=40))  # Budi's link expired unused

    guest = double.user(778, first_name="Tamu")
    await _register(guest, BUDI_NIP, "Tamu Lain", "Bidang Mutasi")
    card = await siti.next_message()
    assert "belum memakai tautan undangannya sendiri" in card.text
    await siti.press(card, "✅ Mentor")
    await double.settle()
    assert await _budi_account(bot) is None
    assert "Belum dihubungkan" in siti.current(card).text
