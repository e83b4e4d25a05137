"""/riwayat (/history): mentees read their past reflections, mentors their mentees'.

Budi's week of 7 December goes through a revision (Rina asks, Budi revises, version 2),
a comment and an approval; a week later he sends the week of 14 December, not reviewed
yet. Rina mentors Budi and Dewi; Yohanes mentors Made and Maria.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.telegram_double import DoubleUser, TelegramDouble
from storage import pairings, people, programmes, reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import PROGRAMME, paired, submit_reflection, with_buttons

ANSWERS = ("Satu", "Dua", "Tiga", "Empat", "45 menit")
BUDI_NIP = "199503172020121005"
MARIA_NIP = "199802142022032008"


async def _two_weeks(bot: BotUnderTest, users: dict[str, DoubleUser]) -> None:
    """Week 1: revision, version 2, comment, approval. Week 2: sent, waiting."""
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ANSWERS)
    copy = with_buttons(rina.unread())
    await rina.press(copy, "↩️ Minta perbaikan")
    await rina.next_message()
    await rina.send_text("Tambahkan <angka> berkas per bulan")
    await bot.drained()
    rina.unread()
    notice = with_buttons(budi.unread())
    await budi.press(notice, "✏️ Perbaiki sekarang")
    await bot.double.settle()
    await budi.press(with_buttons(budi.unread()), "✏️ 3")
    await budi.next_message()
    await budi.send_text("Tiga, dengan 120 berkas per bulan")
    await bot.double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()
    budi.unread()
    second = with_buttons(rina.unread())
    await rina.press(second, "💬 Komentar")
    await rina.next_message()
    await rina.send_text("Bagus, lanjutkan")
    await bot.drained()
    await rina.press(second, "✅ Setujui")
    await bot.drained()
    bot.clock.advance(timedelta(days=7))  # Monday 14 December
    await submit_reflection(bot, budi, ("Lima", "Enam", "Tujuh", "Delapan", "1 jam"))
    for user in users.values():
        user.unread()


async def _id(bot: BotUnderTest, nip: str) -> int:
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_nip(conn, nip)
    assert person is not None
    return person.id


async def test_mentee_reads_own_reflections_newest_first_with_reviews(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _two_weeks(bot, users)
    budi = users["Budi Santoso"]

    await budi.send_text("/riwayat")
    page = await budi.next_message()
    assert page.text.startswith(
        "📚 Refleksi Anda 1 dari 2\nPerubahan 2027, minggu 14-12-2026 · "
        "terkirim, menunggu tinjauan · versi 1"
    )
    assert "Lima" in page.text
    assert "Belum ada tinjauan." in page.text
    assert [b["text"] for b in page.buttons] == ["Lebih lama ▶"]

    await budi.press(page, "Lebih lama ▶")
    await bot.drained()
    assert page.edited  # the same message, now the older week
    assert page.text.startswith(
        "📚 Refleksi Anda 2 dari 2\nPerubahan 2027, minggu 07-12-2026 · ✅ disetujui · versi 2"
    )
    assert "Tiga, dengan 120 berkas per bulan" in page.text  # the revised answer
    assert "45 menit" in page.text  # the hours as understood
    reviews = page.text.split("Tinjauan\n", 1)[1]
    assert reviews.splitlines() == [
        "• ↩️ Diminta perbaikan · Rina Kartika · 07-12-2026 09:00 (versi 1)",
        "Tambahkan <angka> berkas per bulan",
        "• 💬 Komentar · Rina Kartika · 07-12-2026 09:00 (versi 2)",
        "Bagus, lanjutkan",
        "• ✅ Disetujui · Rina Kartika · 07-12-2026 09:00 (versi 2)",
    ]
    assert "&lt;angka&gt;" in page.html  # the mentor's text, escaped
    assert [b["text"] for b in page.buttons] == ["◀ Lebih baru"]

    await budi.press(page, "◀ Lebih baru")
    await bot.drained()
    assert "minggu 14-12-2026" in page.text
    assert budi.unread() == []  # everything happened in the one message

    # Past the end: refused, nothing changes.
    budi_id = await _id(bot, BUDI_NIP)
    await budi.press_data(page.message_id, f"hs:p:{budi_id}:2")
    await bot.drained()
    assert double.callback_answers[-1]["text"].startswith("Halaman itu tidak ada (lagi).")
    assert "minggu 14-12-2026" in page.text


async def test_mentor_picks_a_mentee_and_reads_their_history(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _two_weeks(bot, users)
    rina = users["Rina Kartika"]

    await rina.send_text("/history")
    choice = await rina.next_message()
    assert "Refleksi siapa" in choice.text
    assert [b["text"] for b in choice.buttons] == ["Budi Santoso", "Dewi Lestari"]

    await rina.press(choice, "Budi Santoso")
    await bot.drained()
    assert choice.text.startswith(
        "📚 Refleksi Budi Santoso (1 dari 2)\nPerubahan 2027, minggu 14-12"
    )
    assert [b["text"] for b in choice.buttons] == ["Lebih lama ▶", "↩️ Daftar mentee"]
    await rina.press(choice, "Lebih lama ▶")
    await bot.drained()
    assert "(2 dari 2)" in choice.text
    assert "Tambahkan <angka> berkas per bulan" in choice.text

    # A past mentee stays readable after the pairing ended.
    async with bot.svc.db.write() as conn:
        [pairing] = await pairings.of_mentee(conn, await _id(bot, BUDI_NIP), ("active",))
        assert await pairings.set_status(
            conn, pairing.id, status="ended", now=bot.clock.now(), expect=("active",)
        )
    await rina.press(choice, "◀ Lebih baru")
    await bot.drained()
    assert "(1 dari 2)" in choice.text

    # Dewi has written nothing she sent: nothing to read (a draft is hers alone).
    await rina.press(choice, "↩️ Daftar mentee")
    await bot.drained()
    await rina.press(choice, "Dewi Lestari")
    await bot.drained()
    assert double.callback_answers[-1]["text"] == "Belum ada refleksi untuk ditampilkan."


async def test_forged_history_press_for_someone_elses_mentee_is_refused(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _two_weeks(bot, users)
    budi_id, maria_id = await _id(bot, BUDI_NIP), await _id(bot, MARIA_NIP)
    refusal = (
        "Mohon maaf, Anda tidak dapat membaca refleksi ini. Mentee membaca refleksinya "
        "sendiri; mentor membaca refleksi mentee yang didampinginya."
    )
    english = (
        "Sorry, you cannot read these reflections. Mentees read their own; "
        "mentors those of their mentees."
    )
    yohanes, rina, dewi = users["Yohanes Wenda"], users["Rina Kartika"], users["Dewi Lestari"]

    await yohanes.send_text("/riwayat")
    choice = await yohanes.next_message()
    assert [b["text"] for b in choice.buttons] == ["Made Wirawan", "Maria Kogoya"]
    shown = choice.text
    for who, data in (
        (yohanes, f"hs:p:{budi_id}:0"),  # Rina's mentee, not his
        (yohanes, f"hs:full:{budi_id}:0"),
        (rina, f"hs:p:{maria_id}:0"),
        (dewi, f"hs:p:{budi_id}:1"),  # a fellow mentee
    ):
        await who.press_data(choice.message_id if who is yohanes else 1, data)
        await bot.drained()
        expected = refusal if who is not dewi else english  # Dewi reads English
        assert double.callback_answers[-1]["text"] == expected, data
        assert double.callback_answers[-1].get("show_alert") is True
    assert choice.text == shown
    for user in (yohanes, rina, dewi):
        assert not any("Lima" in m.text or "Tiga" in m.text for m in user.unread())


async def test_a_long_reflection_is_shortened_on_its_page_and_sent_whole_on_request(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    long_answer = ("Kalimat panjang tentang layanan 📄. " * 200).strip()  # ~7 400 units
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        programme = await programmes.get_programme_by_name(conn, PROGRAMME)
        assert programme is not None
        draft = await reflections.open_draft(
            conn, programme.id, await _id(bot, BUDI_NIP), date(2026, 12, 7), now
        )
        for index in range(4):
            await reflections.save_answer(conn, draft.id, index, f"{index}: {long_answer}", now)
        await reflections.save_answer(conn, draft.id, 4, "1 jam", now, minutes=60)

    await budi.send_text("/riwayat")
    page = await budi.next_message()
    assert "draf (belum dikirim)" in page.text
    assert "Teks yang panjang dipersingkat di sini." in page.text
    assert [b["text"] for b in page.buttons] == ["📄 Teks lengkap"]

    await budi.press(page, "📄 Teks lengkap")
    await bot.drained()
    whole = budi.unread()
    assert len(whole) > 2
    joined = "\n".join(m.text for m in whole)
    for index in range(4):
        assert f"{index}: Kalimat panjang" in joined
    assert joined.count("Kalimat panjang tentang layanan 📄.") == 4 * 200
    assert whole[-1].text == "Belum ada tinjauan."
    assert page.text.startswith("📚 Refleksi Anda 1 dari 1")  # the page itself unchanged
