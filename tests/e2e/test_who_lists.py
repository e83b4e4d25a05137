"""/siapa (/who): a coordinator's four lists, with names, paged in one edited message.

The demo world: everyone but Andi Pratama and Ni Luh Ayu joined, one programme
(Perubahan 2027, from Monday 7 December 2026, reflections on Friday), pairs matched in
chat. The clock starts on that Monday at 09:00 WIB.
"""

from __future__ import annotations

from datetime import timedelta

from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import people, programmes
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.world import PROGRAMME, paired, submit_reflection

ANSWERS = ("Satu", "Dua", "Tiga", "Empat", "45 menit")


async def _open(bot: BotUnderTest, user: DoubleUser, command: str, button: str) -> SentMessage:
    """Send the command, press one of its list buttons: the menu message becomes page 1."""
    await user.send_text(command)
    menu = await user.next_message()
    await user.press(menu, button)
    await bot.drained()
    return menu


def _lines(message: SentMessage) -> list[str]:
    """The numbered lines of a page (the header and blank line left out)."""
    return [line for line in message.text.split("\n")[3:] if line[:1].isdigit()]


async def _late_arrival(bot: BotUnderTest) -> None:
    """Andi Pratama: added to the roster and the programme after matching; not joined,
    no mentor."""
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        andi = await people.insert_person(
            conn,
            nip="199810052023021009",
            name="Andi Pratama",
            unit="Bidang Mutasi",
            timezone="Asia/Makassar",
            language="id",
            roles=["mentee"],
            now=now,
        )
        programme = await programmes.get_programme_by_name(conn, PROGRAMME)
        assert programme is not None
        await programmes.add_member(conn, programme.id, andi, "mentee")


async def _switch(bot: BotUnderTest, user: DoubleUser, page: SentMessage, button: str) -> None:
    """Back to the list buttons, then another list, in the same message."""
    await user.press(page, "↩️ Daftar")
    await bot.drained()
    await user.press(page, button)
    await bot.drained()


async def test_who_lists_name_people_in_each_of_the_four_lists(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _late_arrival(bot)
    siti = users["Siti Rahmawati"]

    page = await _open(bot, siti, "/siapa", "Belum bergabung")
    assert page.edited  # the menu message itself became the list
    assert page.text.startswith("👥 Belum bergabung\n1 orang · halaman 1 dari 1")
    assert _lines(page) == ["1. Andi Pratama · Bidang Mutasi"]

    await _switch(bot, siti, page, "Menunggu mentor")
    assert _lines(page) == ["1. Andi Pratama · Bidang Mutasi · Perubahan 2027"]

    await _switch(bot, siti, page, "Belum refleksi minggu ini")
    due = "⏳ tenggat Jumat 11-12"  # this week, on each one's own calendar
    assert _lines(page) == [
        f"1. Andi Pratama · Bidang Mutasi · Perubahan 2027 · {due}",
        f"2. Budi Santoso · Bidang Pengembangan SDM · Perubahan 2027 · {due}",
        f"3. Dewi Lestari · Bidang Pengembangan SDM · Perubahan 2027 · {due}",
        f"4. Made Wirawan · Bidang Mutasi · Perubahan 2027 · {due}",
        f"5. Maria Kogoya · BKPSDM Kab. Jayapura · Perubahan 2027 · {due}",
    ]

    # Budi sends his reflection: he leaves the list; three days on, it waits too long.
    await submit_reflection(bot, users["Budi Santoso"], ANSWERS)
    await _switch(bot, siti, page, "Belum refleksi minggu ini")
    assert "4 orang" in page.text
    assert "Budi Santoso" not in page.text

    await _switch(bot, siti, page, "Tinjauan terlambat (lebih dari 2 hari)")
    assert "0 orang" in page.text  # sent minutes ago: not overdue yet

    bot.clock.advance(timedelta(days=3))
    await _switch(bot, siti, page, "Tinjauan terlambat (lebih dari 2 hari)")
    assert "1 orang" in page.text
    assert page.text.split("\n")[3:5] == [
        "1. Budi Santoso · Bidang Pengembangan SDM · Perubahan 2027",
        "    mentor Rina Kartika · minggu 07-12-2026 · menunggu 3 hari",
    ]


async def test_who_pages_45_people_twenty_at_a_time(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        for number in range(1, 46):
            await people.insert_person(
                conn,
                nip=f"1990010120200110{number:02d}",
                name=f"Peserta <{number:02d}>",
                unit="Bidang & Mutasi",
                timezone="Asia/Jakarta",
                language="id",
                roles=["mentee"],
                now=now,
            )
    admin = double.user(ADMIN_ID, first_name="Admin")
    page = await _open(bot, admin, "/who", "Belum bergabung")
    assert "45 orang · halaman 1 dari 3" in page.text
    lines = _lines(page)
    assert len(lines) == 20
    assert lines[0] == "1. Peserta <01> · Bidang & Mutasi"  # user text shown as typed
    assert "&lt;01&gt;" in page.html  # and escaped in the HTML sent
    assert [b["text"] for b in page.buttons] == ["▶", "↩️ Daftar"]

    await admin.press(page, "▶")
    await bot.drained()
    lines = _lines(page)
    assert "halaman 2 dari 3" in page.text
    assert (lines[0], lines[-1], len(lines)) == (
        "21. Peserta <21> · Bidang & Mutasi",
        "40. Peserta <40> · Bidang & Mutasi",
        20,
    )
    assert [b["text"] for b in page.buttons] == ["◀", "▶", "↩️ Daftar"]

    await admin.press(page, "▶")
    await bot.drained()
    lines = _lines(page)
    assert "halaman 3 dari 3" in page.text
    assert [line.split(" · ")[0] for line in lines] == [
        f"{n}. Peserta <{n}>" for n in range(41, 46)
    ]
    assert [b["text"] for b in page.buttons] == ["◀", "↩️ Daftar"]

    await admin.press(page, "◀")
    await bot.drained()
    assert "halaman 2 dari 3" in page.text

    # A forged page beyond the end, a list that does not exist, a programme that does not
    # exist: refused politely, the message unchanged.
    before = page.text
    for forged in ("who:nj:3:0", "who:xx:0:0", "who:nj:0:999", "who:nj:-1:0", "who:menu:999"):
        await admin.press_data(page.message_id, forged)
        await bot.drained()
        answer = double.callback_answers[-1]
        assert answer.get("show_alert") is True, forged
        assert answer.get("text", "").startswith("Halaman itu tidak ada (lagi)."), forged
    assert page.text == before


async def test_who_is_for_coordinators_only(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    await rina.send_text("/siapa")
    refusal = await rina.next_message()
    assert refusal.text == "Mohon maaf, daftar ini hanya untuk koordinator."
    assert not refusal.buttons
    # A pressed list button (forged: she was never shown one) shows nothing either.
    await rina.press_data(refusal.message_id, "who:nj:0:0")
    await bot.drained()
    assert double.callback_answers[-1]["text"] == "Mohon maaf, daftar ini hanya untuk koordinator."
    assert refusal.text == "Mohon maaf, daftar ini hanya untuk koordinator."
    assert rina.unread() == []


async def test_who_for_one_programme_by_name(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    siti = users["Siti Rahmawati"]
    page = await _open(bot, siti, f"/siapa {PROGRAMME.lower()}", "Belum refleksi minggu ini")
    assert f"Belum refleksi minggu ini · {PROGRAMME}" in page.text
    assert " · Perubahan 2027 · " not in page.text  # the lines need not repeat it
    await siti.send_text("/siapa Tidak Ada")
    assert "Tidak ada program bernama “Tidak Ada”" in (await siti.next_message()).text
