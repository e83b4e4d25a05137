"""A coordinator changes a mentor by hand and marks people inactive or active again, in
chat; /audit pages through everything coordinators did, newest first, and names the
command line for what was done there. Anyone else is refused and nothing changes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from bot.flows import programmes as programme_flow
from bot.scheduler import run_due_work
from bot.telegram_double import TelegramDouble
from storage import audit, pairings, people
from storage.models import AuditEntry
from tests.conftest import DEMO_ROSTER
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import PROGRAMME, create_programme, everyone_joins, paired
from tests.test_cli import _pembina

SITI, BUDI, RINA, YOHANES, DEWI, MADE = (
    "197805122003122001",
    "199503172020121005",
    "198209142008012003",
    "198011202005011004",
    "199707082021022006",
    "199612252022031007",
)


async def _log(bot: BotUnderTest) -> list[AuditEntry]:
    async with bot.svc.db.read() as conn:
        return await audit.entries(conn, limit=100)


async def test_a_mentor_changed_by_hand_ends_the_old_pair_and_tells_all_three(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti = users["Siti Rahmawati"]
    programme = await programme_flow.by_name(bot.svc, PROGRAMME)
    assert programme is not None
    async with bot.svc.db.read() as conn:
        budi = await people.get_person_by_nip(conn, BUDI)
        assert budi is not None
        old = await pairings.current_for_mentee(conn, programme.id, budi.id)
    assert old is not None
    assert old.status == "active"

    # Refusals say why and change nothing.
    await siti.send_text(f"/gantimentor {BUDI} {DEWI}")
    assert "Dewi Lestari bukan mentor program Perubahan 2027" in (await siti.next_message()).text
    await siti.send_text(f"/gantimentor {BUDI} {RINA}")
    assert "sudah menjadi mentor Budi Santoso" in (await siti.next_message()).text
    await siti.send_text(f"/gantimentor {BUDI} {YOHANES} Tidak Ada")
    assert "Program Tidak Ada tidak ditemukan" in (await siti.next_message()).text
    await siti.send_text(f"/nonaktif {YOHANES}")
    await siti.send_text(f"/gantimentor {BUDI} {YOHANES}")
    await siti.send_text(f"/aktifkan {YOHANES}")
    await double.settle()
    assert "Yohanes Wenda ditandai tidak aktif" in siti.unread()[1].text
    await siti.send_text("/gantimentor 12345")
    assert "Cara pakai" in (await siti.next_message()).text
    async with bot.svc.db.write() as conn:  # Yohanes full for a moment
        yohanes = await people.get_person_by_nip(conn, YOHANES)
        assert yohanes is not None
        load = (await pairings.loads(conn)).get(yohanes.id, 0)
        await people.update_person(conn, yohanes.id, bot.clock.now(), mentor_capacity=load)
    await siti.send_text(f"/gantimentor {BUDI} {YOHANES}")
    assert "kapasitas penuh" in (await siti.next_message()).text
    async with bot.svc.db.read() as conn:
        assert await pairings.current_for_mentee(conn, programme.id, budi.id) == old
    assert [e.action for e in await _log(bot)].count("pairing.changed") == 0
    assert (await _log(bot))[0].action == "person.active"  # Yohanes again, not a change

    async with bot.svc.db.write() as conn:
        await people.update_person(conn, yohanes.id, bot.clock.now(), mentor_capacity=3)
    await siti.send_text(f"/gantimentor {BUDI.replace('2020', '2020 ')} {YOHANES}")
    done = await siti.next_message()
    assert "Budi Santoso sekarang didampingi Yohanes Wenda" in done.text
    assert "(sebelumnya: Rina Kartika)" in done.text
    await bot.drained()
    async with bot.svc.db.read() as conn:
        ended = await pairings.get_pairing(conn, old.id)
        new = await pairings.current_for_mentee(conn, programme.id, budi.id)
    assert ended is not None
    assert (ended.status, ended.end_reason) == ("ended", "reassigned")
    assert new is not None
    assert (new.mentor_id, new.status) == (yohanes.id, "active")
    assert "mentor baru untuk Anda" in users["Budi Santoso"].unread()[-1].text
    assert "memasangkan Bapak/Ibu dengan Budi Santoso" in users["Yohanes Wenda"].unread()[-1].text
    assert "mentor lain untuk Budi Santoso" in users["Rina Kartika"].unread()[-1].text
    entry = (await _log(bot))[0]
    assert entry.action == "pairing.changed"
    assert (entry.actor_name, entry.subject_name) == ("Siti Rahmawati", "Budi Santoso")
    assert entry.before == {"mentor": "Rina Kartika"}
    assert entry.after == {"mentor": "Yohanes Wenda"}


async def test_an_inactive_person_gets_no_nudges_until_active_again(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    siti, made = users["Siti Rahmawati"], users["Made Wirawan"]
    await siti.send_text(f"/nonaktif {MADE}")
    assert (await siti.next_message()).text == "✅ Made Wirawan sekarang tidak aktif."
    await siti.send_text(f"/deactivate {MADE}")
    assert "memang sudah tidak aktif" in (await siti.next_message()).text
    await siti.send_text("/pegawai")
    assert "Tidak aktif: 1" in (await siti.next_message()).text
    entries = await _log(bot)
    assert [e.action for e in entries].count("person.inactive") == 1  # the repeat wrote nothing
    assert entries[0].before == {"status": "active"}
    assert entries[0].after == {"status": "inactive"}
    assert entries[0].subject_name == "Made Wirawan"

    # Friday 10:30 WITA: Made's nudge time; he is inactive, the three others are nudged.
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:30:00+00:00"))
    assert (await run_due_work(bot.svc))["reflection_nudges"] == 3
    await bot.drained()
    assert made.unread() == []

    await siti.send_text(f"/aktifkan {MADE}")
    assert (await siti.next_message()).text == "✅ Made Wirawan sekarang aktif."
    assert (await _log(bot))[0].after == {"status": "active"}
    bot.clock.set(datetime.fromisoformat("2026-12-11T02:40:00+00:00"))
    assert (await run_due_work(bot.svc))["reflection_nudges"] == 1
    await bot.drained()
    assert "Waktunya refleksi mingguan" in made.unread()[-1].text


async def test_non_coordinators_are_refused_and_nothing_changes(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    rina = users["Rina Kartika"]
    before = await _log(bot)
    async with bot.svc.db.read() as conn:
        pairs = await pairings.loads(conn)
    for command in (
        f"/gantimentor {BUDI} {YOHANES}",
        f"/setmentor {BUDI} {YOHANES}",
        f"/nonaktif {MADE}",
        f"/aktifkan {MADE}",
        "/audit",
    ):
        await rina.send_text(command)
        assert "hanya koordinator" in (await rina.next_message()).text
    await rina.press_data(rina.messages[-1].message_id, "au:p:0:0")
    await double.settle()
    assert "hanya koordinator" in double.callback_answers[-1]["text"]
    assert await _log(bot) == before
    async with bot.svc.db.read() as conn:
        assert await pairings.loads(conn) == pairs
        made = await people.get_person_by_nip(conn, MADE)
    assert made is not None
    assert made.status == "active"


async def test_audit_pages_newest_first_and_names_the_command_line(
    bot: BotUnderTest, double: TelegramDouble, tmp_path: Path
) -> None:
    users = await everyone_joins(bot, double)  # the demo roster came through import_roster
    siti = users["Siti Rahmawati"]
    # The real command line, on the same database the running bot uses.
    result = await asyncio.to_thread(
        _pembina, tmp_path, "roster", "import", str(DEMO_ROSTER), DATABASE_URL=bot.db_url
    )
    assert result.returncode == 0, result.stderr
    for _ in range(12):  # 24 more entries, all Siti's
        await siti.send_text(f"/nonaktif {MADE}")
        await siti.send_text(f"/aktifkan {MADE}")
    await double.settle()
    siti.unread()
    assert len(await _log(bot)) == 26  # the fixture's import and the CLI's, then 24

    await siti.send_text("/audit")
    first = await siti.next_message()
    assert first.text.startswith("🗂 Catatan audit · 1–10 dari 26, terbaru dahulu")
    assert first.text.count("🕘 2026-12-07 09:00 WIB · Siti Rahmawati: ") == 10
    assert "mengaktifkan kembali pegawai · Made Wirawan\nstatus: tidak aktif → status: aktif" in (
        first.text
    )
    assert [b["text"] for b in first.buttons] == ["▶"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in first.buttons)
    await siti.press(first, "▶")
    await double.settle()
    second = siti.current(first)
    assert second.text.startswith("🗂 Catatan audit · 11–20 dari 26")
    assert [b["text"] for b in second.buttons] == ["◀", "▶"]
    await siti.press(second, "▶")
    await double.settle()
    third = siti.current(first)
    assert third.text.startswith("🗂 Catatan audit · 21–26 dari 26")
    assert [b["text"] for b in third.buttons] == ["◀"]
    assert third.text.count("baris perintah: mengimpor roster") == 2
    assert "pegawai: 8 → pegawai: 8, baru: 0, diperbarui: 0" in third.text
    await siti.press_data(first.message_id, "au:p:990:0")  # past the end: the last page
    await double.settle()
    assert siti.current(first).text.startswith("🗂 Catatan audit · 21–26 dari 26")
    await siti.press(third, "◀")
    await double.settle()
    assert siti.current(first).text.startswith("🗂 Catatan audit · 11–20 dari 26")

    # Filtered by programme: only what was about it.
    await create_programme(bot)
    await siti.send_text(f"/audit {PROGRAMME.upper()}")
    only = await siti.next_message()
    assert only.text.startswith("🗂 Catatan audit Perubahan 2027 · 1–1 dari 1")
    assert "baris perintah: membuat program · Perubahan 2027" in only.text
    assert only.buttons == []


async def test_inactive_people_are_left_out_of_proposed_pairs(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    """A mentor on leave is offered no mentee and an inactive mentee gets no mentor, until
    they are marked active again."""
    users = await everyone_joins(bot, double)
    await create_programme(bot)
    siti = users["Siti Rahmawati"]
    for nip in (YOHANES, MADE):
        await siti.send_text(f"/nonaktif {nip}")
        await siti.next_message()
    await siti.send_text(f"/pasangkan {PROGRAMME}")
    preview = (await siti.next_message()).text
    assert "Yohanes Wenda" not in preview
    assert "Made Wirawan" not in preview
    assert "Budi Santoso → Rina Kartika" in preview

    await siti.send_text(f"/aktifkan {YOHANES}")
    await siti.next_message()
    await siti.send_text(f"/pasangkan {PROGRAMME}")
    assert "→ Yohanes Wenda" in (await siti.next_message()).text
