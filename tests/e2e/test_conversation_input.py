"""Wrong-type input at every registration step, HTML in answers, and a restart mid-way."""

from __future__ import annotations

from bot.telegram_double import DoubleUser, TelegramDouble
from storage import conversations
from tests.e2e.conftest import BotUnderTest

NIP = "199001012015031002"


async def _hint_keeps_step(user: DoubleUser, expect_question: str) -> None:
    reply = await user.next_message()
    assert expect_question in reply.text, reply.text


async def test_wrong_type_input_at_each_step(bot: BotUnderTest, double: TelegramDouble) -> None:
    user = double.user(800, first_name="Sari")
    await user.send_text("/start")
    await user.next_messages(2)

    await user.send_sticker()
    await _hint_keeps_step(user, "Langkah 1 dari 3")
    await user.send_text("12345")
    reply = await user.next_message()
    assert "tepat 18 angka" in reply.text
    assert "Langkah 1 dari 3" in reply.text
    await user.send_text("199502302020121005")
    assert "tanggal lahir" in (await user.next_message()).text
    await user.send_text("/help")
    await _hint_keeps_step(user, "sedang mengisi pendaftaran")
    await user.send_text(NIP)
    await _hint_keeps_step(user, "Langkah 2 dari 3")

    await user.send_photo()
    await _hint_keeps_step(user, "Langkah 2 dari 3")
    await user.send_text("12")
    assert "terlalu pendek" in (await user.next_message()).text
    await user.send_text("x" * 101)
    assert "terlalu panjang" in (await user.next_message()).text
    await user.send_text("1234 5678")
    assert "huruf" in (await user.next_message()).text
    await user.send_text("Sari <i>Dewi</i> & Putri")
    await _hint_keeps_step(user, "Langkah 3 dari 3")

    await user.send_voice()
    await _hint_keeps_step(user, "Langkah 3 dari 3")
    await user.send_document(b"%PDF-1.4", "cv.pdf", "application/pdf")
    await _hint_keeps_step(user, "Langkah 3 dari 3")
    await user.send_text("Bagian <Umum>")
    summary = await user.next_message()
    assert "Sari <i>Dewi</i> & Putri" in summary.text  # literal, escaped on the way out
    assert "Bagian <Umum>" in summary.text

    await user.send_sticker()
    assert "tekan salah satu tombol" in (await user.next_message()).text
    await user.send_text("ya")
    assert "tekan salah satu tombol" in (await user.next_message()).text
    await user.send_text("/language")
    await _hint_keeps_step(user, "sedang mengisi pendaftaran")

    await user.send_text("/cancel")
    assert "dibatalkan" in (await user.next_message()).text
    await double.settle()
    async with bot.svc.db.read() as conn:
        assert await conversations.get_conversation(conn, 800) is None


async def test_registration_resumes_after_restart(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    user = double.user(801, first_name="Joko")
    await user.send_text("/start")
    await user.next_messages(2)
    await user.send_text(NIP)
    assert "Langkah 2 dari 3" in (await user.next_message()).text
    await double.settle()

    await bot.restart()

    await user.send_text("Joko Widodo")
    assert "Langkah 3 dari 3" in (await user.next_message()).text
    await user.send_text("/start")  # /start mid-way resumes at the same step
    resumed = await user.next_messages(2)
    assert "lanjutkan pendaftaran" in resumed[0].text
    assert "Langkah 3 dari 3" in resumed[1].text


async def test_language_and_timezone_switch(bot: BotUnderTest, double: TelegramDouble) -> None:
    codes = await bot.import_demo_roster()
    made = double.user(510, first_name="Made")
    await made.send_text(f"/start {codes['Made Wirawan']}")
    await made.next_message()

    await made.send_text("/language")
    choice = await made.next_message()
    await made.press(choice, "🇬🇧 English")
    await double.settle()
    assert "I will speak English" in made.current(choice).text
    await made.send_text("/help")
    help_text = (await made.next_message()).text
    assert "What you can do" in help_text
    assert made.menu()
    assert "Show your profile" in made.menu_descriptions().values()

    await made.send_text("/timezone")
    zones = await made.next_message()
    assert "WITA" in zones.text  # the roster put Made in WITA
    await made.press(zones, 0)  # WIB
    await double.settle()
    assert "WIB" in made.current(zones).text
    await made.send_text("/profile")
    profile = (await made.next_message()).text
    assert "Time zone: WIB" in profile
    assert "Language: 🇬🇧 English" in profile

    # A stranger's choice is remembered too.
    guest = double.user(811, first_name="Guest", language_code="en")
    await guest.send_text("/help")
    assert "not registered" in (await guest.next_message()).text
    await guest.send_text("/language")
    await guest.press(await guest.next_message(), "🇮🇩 Bahasa Indonesia")
    await double.settle()
    await guest.send_text("/help")
    assert "belum terdaftar" in (await guest.next_message()).text
