"""Every command has an Indonesian and an English name; each person sees their language's
names in the menu and in help, and both names work for everyone. /programs points to
/newprogram, and /match finds a programme whatever the case, or offers buttons."""

from __future__ import annotations

from bot import menus
from bot.telegram_double import TelegramDouble
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import PROGRAMME, create_programme, everyone_joins


async def test_menus_and_help_in_the_readers_language_and_both_names_work(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    await double.settle()
    budi, dewi = users["Budi Santoso"], users["Dewi Lestari"]  # Indonesian, English (roster)
    assert budi.menu() == [
        "mulai",
        "bantuan",
        "profil",
        "bahasa",
        "zonawaktu",
        "batal",
        "dataku",
        "hapusdata",
        "refleksi",
        "progres",
        "riwayat",
        "tonggak",
        "sesi",
        "mentor",
        "jeda",
        "lanjut",
        "ledgerjp",
        "kartu",
    ]
    assert dewi.menu() == [
        "start",
        "help",
        "profile",
        "language",
        "timezone",
        "cancel",
        "mydata",
        "erasemydata",
        "reflection",
        "progress",
        "history",
        "milestones",
        "session",
        "mentor",
        "pause",
        "resume",
        "ledger",
        "record",
    ]
    siti = users["Siti Rahmawati"]
    assert {"ringkasan", "laporan", "programbaru", "program", "pasangkan", "siapa"} <= set(
        siti.menu()
    )
    assert "siapa" not in budi.menu()
    assert siti.menu()[-4:] == ["gantimentor", "nonaktif", "aktifkan", "audit"]
    assert "gantimentor" not in budi.menu()

    await budi.send_text("/bantuan")
    help_id = (await budi.next_message()).text
    assert "/refleksi · Tulis refleksi mingguan" in help_id
    assert "/reflection" not in help_id
    await dewi.send_text("/help")
    help_en = (await dewi.next_message()).text
    assert "/reflection · Write the weekly reflection" in help_en
    assert "Language: /language" in help_en

    # Both names work for everyone, whatever their language.
    await budi.send_text("/progress")
    await dewi.send_text("/progres")
    await double.settle()
    assert "/bantuan" not in budi.unread()[-1].text  # not "unknown command"
    assert "/help" not in dewi.unread()[-1].text


async def test_strangers_menu_follows_telegrams_language(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    ani = double.user(3001, first_name="Ani", language_code="id")
    john = double.user(3002, first_name="John", language_code="en")
    assert ani.menu() == ["mulai", "bantuan", "bahasa", "zonawaktu", "batal", "dataku"]
    assert john.menu() == ["start", "help", "language", "timezone", "cancel", "mydata"]
    # While registering, /batal (cancel's Indonesian name) is let through like /cancel.
    await ani.send_text("/mulai")
    await double.settle()
    ani.unread()
    await ani.send_text("/batal")
    assert "Pendaftaran dibatalkan" in (await ani.next_message()).text


async def test_programs_points_to_newprogram_and_match_is_forgiving(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    siti = users["Siti Rahmawati"]
    await siti.send_text("/program")
    empty = (await siti.next_message()).text
    assert "/programbaru" in empty

    await create_programme(bot)
    # Typed in another case and spacing: still the programme.
    await siti.send_text("/pasangkan  " + PROGRAMME.upper())
    preview = await siti.next_message()
    assert "Usulan pasangan untuk Perubahan 2027" in preview.text

    # No name: one button per programme; pressing one shows the proposal to send.
    await siti.send_text("/match")
    choose = await siti.next_message()
    assert [b["text"] for b in choose.buttons] == [PROGRAMME]
    await siti.press(choose, 0)
    await double.settle()
    shown = siti.current(choose)
    assert "Usulan pasangan untuk Perubahan 2027" in shown.text
    await siti.press(shown, 0)
    await double.settle()
    assert "4 tawaran dikirim" in siti.current(choose).text

    # A name that matches nothing gets the same buttons.
    await siti.send_text("/match Latsar")
    unknown = await siti.next_message()
    assert "Program Latsar tidak ditemukan" in unknown.text
    assert len(unknown.buttons) == 1

    # The proposal button is a coordinator's: a mentee pressing it is refused.
    budi = users["Budi Santoso"]
    await budi.press_data(unknown.message_id, unknown.buttons[0]["callback_data"])
    await double.settle()
    assert "hanya koordinator" in double.callback_answers[-1]["text"]


def test_every_command_has_two_valid_names_and_one_handler() -> None:
    from bot.app import HANDLERS

    assert set(HANDLERS) == set(menus.BY_KEY)
    for command in menus.COMMANDS:
        assert command.name("id")
        assert command.name("en")
    assert menus.command_named("/Batal@PembinaBot now") is menus.BY_KEY["cancel"]
    assert menus.command_named("batal") is None
