"""A coordinator edits a programme's questions and milestones and ends it, in chat; each
change is in the audit log with what it was before and after. Anyone else is refused and
nothing changes."""

from __future__ import annotations

from datetime import date, datetime

from bot.flows import programmes as programme_flow
from bot.scheduler import run_due_work
from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import audit, conversations, pairings, programmes, reflections
from storage.models import AuditEntry, Programme
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import PROGRAMME, create_programme, everyone_joins, paired, with_buttons


async def _programme(bot: BotUnderTest) -> Programme:
    found = await programme_flow.by_name(bot.svc, PROGRAMME)
    assert found is not None
    return found


async def _log(bot: BotUnderTest) -> list[AuditEntry]:
    async with bot.svc.db.read() as conn:
        return await audit.entries(conn, limit=100)


async def _open_card(bot: BotUnderTest, siti: DoubleUser) -> SentMessage:
    """/program, then the programme's button: its card with the edit and end buttons."""
    siti.unread()
    await siti.send_text("/program")
    await bot.double.settle()
    await siti.press(with_buttons(siti.unread()), PROGRAMME)
    await bot.double.settle()
    return with_buttons(siti.unread())


async def test_questions_and_milestones_edited_in_chat_survive_a_restart_and_are_audited(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    siti = users["Siti Rahmawati"]
    card = await _open_card(bot, siti)
    assert "Pertanyaan refleksi" in card.text
    assert [b["text"] for b in card.buttons] == [
        "✏️ Ubah pertanyaan",
        "✏️ Ubah tonggak",
        "🏁 Akhiri program",
    ]
    await siti.press(card, "✏️ Ubah pertanyaan")
    ask = await siti.next_message()
    assert "pertanyaan saat ini" in ask.text
    assert "1. Kemajuan apa yang dicapai proyek perubahan Anda minggu ini?" in ask.text

    await bot.restart()  # the open step is a row: a restart keeps it
    await siti.send_text("Apa yang Anda ubah minggu ini?\n\nSiapa yang Anda libatkan?")
    await double.settle()
    saved = "\n".join(m.text for m in siti.unread())
    assert "Pertanyaan program Perubahan 2027 sudah disimpan." in saved
    assert "Sebelum\n1. Kemajuan apa yang dicapai proyek perubahan Anda minggu ini?" in saved
    assert "Sesudah\n1. Apa yang Anda ubah minggu ini?\n2. Siapa yang Anda libatkan?\n3. " in saved
    programme = await _programme(bot)
    assert [q.get("text") for q in programme.questions[:2]] == [
        "Apa yang Anda ubah minggu ini?",
        "Siapa yang Anda libatkan?",
    ]
    assert programme.questions[-1]["kind"] == "hours"
    entry = (await _log(bot))[0]
    assert entry.action == "programme.questions"
    assert entry.actor_name == "Siti Rahmawati"
    assert entry.programme_id == programme.id
    assert entry.before is not None
    assert entry.before["questions"][0] == {"key": "reflect.q.done_project", "kind": "text"}
    assert entry.after == {"questions": programme.questions}

    # Milestones: a bad line is refused and changes nothing; the step stays open.
    card = await _open_card(bot, siti)
    await siti.press(card, "✏️ Ubah tonggak")
    assert "tonggak saat ini" in (await siti.next_message()).text
    async with bot.svc.db.read() as conn:
        old = await programmes.milestones_of(conn, programme.id)
    await siti.send_text("2027-01-15")
    assert "Setiap tonggak memerlukan judul" in (await siti.next_message()).text
    async with bot.svc.db.read() as conn:
        assert await programmes.milestones_of(conn, programme.id) == old
    await siti.send_text("2027-01-15 Rancangan disetujui atasan\nLaporan akhir")
    await double.settle()
    saved = "\n".join(m.text for m in siti.unread())
    assert "Tonggak program Perubahan 2027 sudah disimpan." in saved
    assert "Sesudah\n• 2027-01-15 Rancangan disetujui atasan\n• Laporan akhir" in saved
    async with bot.svc.db.read() as conn:
        now = await programmes.milestones_of(conn, programme.id)
        assert await conversations.get_conversation(conn, 601) is None  # the step closed
    assert [(m.title, m.due_on) for m in now] == [
        ("Rancangan disetujui atasan", date(2027, 1, 15)),
        ("Laporan akhir", None),
    ]
    entry = (await _log(bot))[0]
    assert entry.action == "programme.milestones"
    assert entry.before == {
        "milestones": [
            {"title": m.title, "due": m.due_on.isoformat() if m.due_on else None} for m in old
        ]
    }
    assert entry.after == {
        "milestones": [
            {"title": "Rancangan disetujui atasan", "due": "2027-01-15"},
            {"title": "Laporan akhir", "due": None},
        ]
    }


async def test_ending_a_programme_ends_pairs_tells_members_and_stops_reflections(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti, budi, rina = users["Siti Rahmawati"], users["Budi Santoso"], users["Rina Kartika"]
    programme = await _programme(bot)
    async with bot.svc.db.read() as conn:
        active = [
            p for p in await pairings.of_programme(conn, programme.id) if p.status == "active"
        ]
    assert active

    card = await _open_card(bot, siti)
    await siti.press(card, "🏁 Akhiri program")
    confirm = await siti.next_message()
    assert "Akhiri program Perubahan 2027?" in confirm.text
    await siti.press(confirm, "Tidak, lanjutkan")  # the way out changes nothing
    await double.settle()
    assert (await _programme(bot)).status == "active"
    assert siti.current(confirm).text == "Tidak ada yang diubah; program tetap berjalan."

    await siti.press(card, "🏁 Akhiri program")
    confirm = await siti.next_message()
    await siti.press(confirm, "Ya, akhiri")
    await bot.drained()
    assert f"{len(active)} pasangan diakhiri" in siti.current(confirm).text
    assert (await _programme(bot)).status == "ended"
    async with bot.svc.db.read() as conn:
        after = await pairings.of_programme(conn, programme.id)
    assert {p.status for p in after} == {"ended"}
    assert {p.end_reason for p in after if p.id in {a.id for a in active}} == {"programme_ended"}
    for user in (budi, rina):
        assert any("Program Perubahan 2027 telah berakhir" in m.text for m in user.unread())
    entry = (await _log(bot))[0]
    assert entry.action == "programme.ended"
    assert entry.before == {"status": "active"}
    assert entry.after == {"status": "ended", "pairings_ended": len(active)}

    # A second press (an old button) is refused; an ended programme asks for no reflection.
    await siti.press_data(confirm.message_id, f"pg:endok:{programme.id}")
    await double.settle()
    assert double.callback_answers[-1]["text"] == (
        "Program ini sudah berakhir sehingga tidak dapat diubah lagi."
    )
    assert [e.action for e in await _log(bot)].count("programme.ended") == 1
    await budi.send_text("/refleksi")
    assert "belum terdaftar di program yang sedang berjalan" in (await budi.next_message()).text
    async with bot.svc.db.read() as conn:
        assert await reflections.count_for_programme(conn, programme.id) == 0
    # Friday 09:30 WIB, when mentees of a running programme are nudged (test_nudges): none.
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:30:00+00:00"))
    assert (await run_due_work(bot.svc))["reflection_nudges"] == 0


async def test_someone_else_pressing_the_programme_buttons_changes_nothing(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    programme = await _programme(bot)
    budi = users["Budi Santoso"]
    before = await _log(bot)
    await budi.send_text("/program")
    assert "hanya koordinator" in (await budi.next_message()).text
    anchor = budi.messages[-1].message_id
    for data in (f"pg:open:{programme.id}", f"pg:q:{programme.id}", f"pg:endok:{programme.id}"):
        await budi.press_data(anchor, data)
        await double.settle()
        assert double.callback_answers[-1]["show_alert"] is True
        assert "hanya koordinator" in double.callback_answers[-1]["text"]
    async with bot.svc.db.read() as conn:
        assert await conversations.get_conversation(conn, 605) is None
    assert (await _programme(bot)).status == "active"
    assert (await _programme(bot)).questions == programme.questions
    assert await _log(bot) == before
