"""The weekly loop in chat: a mentee writes, the mentor asks for a revision, then approves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.telegram_double import TelegramDouble
from bot.telegram_double.html import utf16_len
from storage import reflections
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import paired, submit_reflection, with_buttons

LONG = ("Saya mewawancarai pegawai tentang alur layanan mutasi. " * 110).strip()  # ~6 000 chars


# notices go at four times Telegram's pace per person, into a double allowing as much
@pytest.mark.ceiling(4)
async def test_reflect_revise_approve(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi, rina, yohanes = users["Budi Santoso"], users["Rina Kartika"], users["Yohanes Wenda"]

    await budi.send_text("/refleksi")
    assert "pertanyaan 1 dari 5" in (await budi.next_message()).text
    await budi.send_text("Menyusun <b>rancangan</b> proyek & jadwal")
    assert "pertanyaan 2 dari 5" in (await budi.next_message()).text
    await budi.send_sticker()
    hint = await budi.next_message()
    assert "jawaban berupa teks" in hint.text
    assert "pertanyaan 2 dari 5" in hint.text
    await budi.send_photo(caption="Notulen rapat")
    assert "Bukti ke-1 disimpan" in (await budi.next_message()).text

    # A 6 000-character answer arrives in two messages, as the Telegram app splits it.
    await budi.send_text(LONG[:4096])
    more = await budi.next_message()
    assert "Jawaban panjang diterima" in more.text
    await budi.send_text(LONG[4096:])
    assert "pertanyaan 3 dari 5" in (await budi.next_message()).text

    await budi.send_text("/help")  # another command in between loses nothing
    await budi.next_message()
    await budi.send_text("Data belum lengkap")
    assert "pertanyaan 4 dari 5" in (await budi.next_message()).text
    await budi.send_text("Rapat dengan kepala bidang")
    assert "pertanyaan 5 dari 5" in (await budi.next_message()).text
    await budi.send_text("dua jam")
    assert "belum bisa membaca jumlah jam" in (await budi.next_message()).text
    await budi.send_text("1 jam 30 menit")
    await double.settle()
    summary = budi.unread()
    assert len(summary) >= 2  # the long answer needs more than one message
    assert all(utf16_len(m.text) <= 4096 for m in summary)
    assert "Menyusun <b>rancangan</b> proyek & jadwal" in summary[0].text  # literal, escaped
    assert "1 jam 30 menit" in summary[-1].text

    # Edit answer 1 from the summary, then send.
    await budi.press(with_buttons(summary), "✏️ 1")
    assert "Jawaban sekarang" in (await budi.next_message()).text
    await budi.send_text("Menyusun rancangan proyek perubahan")
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    assert "terkirim ke mentor" in (await budi.next_message()).text

    await bot.drained()  # evidence and two parts: the chat's pace may hold the last back
    received = rina.unread()
    assert received[0].kind == "photo"
    assert "Notulen rapat" in received[0].text
    assert "Refleksi Budi Santoso" in received[1].text
    assert "(versi 1)" in received[1].text
    joined = "\n".join(m.text for m in received[1:])
    assert LONG[:200] in joined
    assert LONG[-100:] in joined
    v1 = with_buttons(received)
    approve_v1 = v1.buttons[0]["callback_data"]

    # Revision with a comment; the mentee gets it with a button back to the reflection.
    await rina.press(v1, "↩️ Minta perbaikan")
    assert "Tulis apa yang perlu diperbaiki Budi Santoso" in (await rina.next_message()).text
    await rina.send_text("Tambahkan data <jumlah> berkas per bulan")
    assert "Permintaan perbaikan terkirim" in (await rina.next_message()).text
    revision = await budi.next_message()
    assert "Tambahkan data <jumlah> berkas per bulan" in revision.text
    await rina.press_data(v1.message_id, approve_v1)  # the old version's button
    await double.settle()
    assert "versi lama" in double.callback_answers[-1]["text"]

    await budi.press(revision, "✏️ Perbaiki sekarang")
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "✏️ 3")
    await budi.next_message()
    await budi.send_text("Data 2025 belum lengkap: 120 berkas per bulan")
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()  # evidence and two parts again: paced at about one a second
    assert "terkirim ke mentor" in budi.unread()[-1].text
    v2 = with_buttons(rina.unread())
    assert "(versi 2)" in "\n".join(m.text for m in rina.messages[-3:])

    # Another mentor forging an approval is refused; nothing changes.
    await yohanes.press_data(yohanes.messages[-1].message_id, v2.buttons[0]["callback_data"])
    await double.settle()
    assert "Hanya mentor pendamping" in double.callback_answers[-1]["text"]

    approve_v2 = v2.buttons[0]["callback_data"]
    await rina.press(v2, "✅ Setujui")
    assert "disetujui oleh Rina Kartika" in (await budi.next_message()).text
    await double.settle()
    assert "✅ Disetujui." in rina.current(v2).text
    await rina.press_data(v2.message_id, approve_v2)  # a double tap
    await double.settle()
    assert "sudah disetujui" in double.callback_answers[-1]["text"]

    # Progress by hand: week of 7 Dec reflected and approved; 1 h 30 min = 2 JP.
    await budi.send_text("/progres")
    mine = (await budi.next_message()).text
    assert "Refleksi: 1 dari 1 minggu · beruntun 1 minggu" in mine
    assert "Menunggu tinjauan: 0" in mine
    assert "JP tahun ini: 2 dari 20 JP" in mine
    assert "Rancangan proyek perubahan disetujui · 21-12-2026" in mine
    bot.clock.advance(timedelta(days=14))  # Monday 21 Dec: the week of 14 Dec was missed
    await rina.send_text("/progres")
    assert (
        "Budi Santoso (Perubahan 2027): refleksi 1/2, beruntun 0, menunggu tinjauan 0, 2 JP"
        in (await rina.next_message()).text
    )

    async with bot.svc.db.read() as conn:
        [saved] = await reflections.of_person(conn, 5, 1)
        reviews = await reflections.reviews_of(conn, saved.id)
        evidence = await reflections.evidence_of(conn, saved.id)
    assert (saved.status, saved.version, saved.minutes) == ("approved", 2, 90)
    assert saved.answers["1"].replace("\n", " ") == LONG  # both parts, kept whole
    assert [r.decision for r in reviews] == ["revision", "approve"]
    assert len(evidence) == 1


async def test_reflection_resumes_after_restart(bot: BotUnderTest, double: TelegramDouble) -> None:
    users = await paired(bot, double)
    budi = users["Budi Santoso"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_text("Jawaban satu")
    await budi.next_message()
    await double.settle()
    await bot.restart()
    await budi.send_text("Jawaban dua")
    assert "pertanyaan 3 dari 5" in (await budi.next_message()).text
    await budi.send_text("/cancel")
    assert "Draf refleksi Anda tersimpan" in (await budi.next_message()).text
    await budi.send_text("/refleksi")
    assert "pertanyaan 3 dari 5" in (await budi.next_message()).text


async def test_only_mentees_reflect_and_mentor_lists_waiting(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    await rina.send_text("/refleksi")
    assert "ditulis oleh mentee" in (await rina.next_message()).text
    await rina.send_text("/review")
    assert "Tidak ada refleksi" in (await rina.next_message()).text


async def test_last_weeks_reflection_can_be_sent_late(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    bot.clock.advance(timedelta(days=7))  # Monday 14 Dec: the week of 7 Dec was never sent
    await budi.send_text("/refleksi")
    choice = await budi.next_message()
    assert "minggu lalu belum Anda kirim" in choice.text
    await budi.press(choice, "Minggu lalu (terlambat)")
    assert "minggu 07-12-2026 · pertanyaan 1 dari 5" in (await budi.next_message()).text
    for answer in ("Satu", "Dua", "Tiga", "Empat", "2"):
        await budi.send_text(answer)
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    assert "(terlambat)" in (await budi.next_message()).text
    await double.settle()
    assert "minggu 07-12-2026 (versi 1) · terlambat" in rina.unread()[0].text
    await budi.send_text("/refleksi")  # nothing missed any more: straight to this week
    assert "minggu 14-12-2026 · pertanyaan 1 dari 5" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        [late, current] = await reflections.of_person(conn, 5, 1)
    assert (late.late, late.status, current.status) == (True, "submitted", "draft")


async def test_comment_keeps_it_waiting_then_approve(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, rina = users["Budi Santoso"], users["Rina Kartika"]
    await submit_reflection(bot, budi, ("Satu", "Dua", "Tiga", "Empat", "45 menit"))
    sent = with_buttons(rina.unread())
    await rina.press(sent, "💬 Komentar")
    await rina.next_message()
    await rina.send_text("   ")
    assert "tidak boleh kosong" in (await rina.next_message()).text
    await rina.send_text("Bagus, lanjutkan <b>wawancara</b>!")
    assert "Komentar Anda terkirim" in (await rina.next_message()).text
    assert "Bagus, lanjutkan <b>wawancara</b>!" in (await budi.next_message()).text
    await rina.send_text("/review")
    waiting = await rina.next_message()
    assert "menunggu tinjauan Anda: 1" in waiting.text
    await rina.press(waiting, 0)  # sends it again with fresh buttons
    await double.settle()
    again = with_buttons(rina.unread())
    await rina.press(again, "✅ Setujui")
    assert "disetujui" in (await budi.next_message()).text
