"""A guest whose join request waits for a coordinator is told so, whatever they send."""

from __future__ import annotations

from bot.telegram_double import DoubleUser, TelegramDouble
from tests.e2e.conftest import BotUnderTest

NIP = "199001012015031002"
PENDING = "sedang menunggu keputusan koordinator"


async def _ask_to_join(user: DoubleUser) -> None:
    await user.send_text("/start")
    await user.next_messages(2)
    await user.send_text(NIP)
    await user.next_message()
    await user.send_text("Eko Prasetyo")
    await user.next_message()
    await user.send_text("Bidang Mutasi")
    await user.press(await user.next_message(), "✅ Kirim")
    assert "sudah dikirim ke koordinator" in (await user.next_message()).text


async def test_pending_guest_is_told_the_request_waits(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    eko = double.user(720, first_name="Eko")
    await _ask_to_join(eko)

    for send in (
        lambda: eko.send_text("halo, apakah sudah disetujui?"),
        eko.send_sticker,
        lambda: eko.send_text("/perintahasing"),
        lambda: eko.send_text("/profile"),
        lambda: eko.send_text("/jeda 10-12-2026"),
    ):
        await send()
        reply = await eko.next_message()
        assert PENDING in reply.text, reply.text
        assert NIP in reply.text
        assert "belum terdaftar" not in reply.text


async def test_guest_without_a_request_is_still_told_how_to_join(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    stranger = double.user(721, first_name="Tamu")
    await stranger.send_text("halo")
    reply = await stranger.next_message()
    assert "belum terdaftar" in reply.text
    assert PENDING not in reply.text
