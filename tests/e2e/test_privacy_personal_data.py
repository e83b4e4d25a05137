"""Personal data (UU 27/2022, issue 10): /dataku gives a person everything held about them
and nothing of anyone else; /hapusdata, once a coordinator confirms, leaves no trace of
their identifying text in the SQLite files while aggregate counts stay.

World: the demo roster paired; Budi (mentee of Rina) writes a reflection with evidence,
Rina approves it, logs a session with him, he confirms and rates it with a note; Maria
(another mentee) writes her own reflection.
"""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from bot.flows import ledger
from bot.telegram_double import DoubleUser, TelegramDouble
from storage import milestone_marks, people, programmes, reflections, sessions
from storage.models import ERASED_NAME
from storage.schema import mentoring_sessions
from storage.schema import reflections as reflections_table
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.world import IDS, NIPS, paired, submit_reflection, with_buttons
from tests.postgres import stored_bytes

BUDI, BUDI_NIP, BUDI_ID = "Budi Santoso", NIPS[4], IDS["Budi Santoso"]
ANSWERS = (
    "Merapikan arsip Kenariwangi",
    "Lemari arsip Kenariwangi penuh",
    "Belajar dari kepala bidang Kenariwangi",
    "Minggu depan digitalisasi Kenariwangi",
    "1 jam 30 menit",
)
EVIDENCE = "Foto bukti Kenariwangi"
TOPIC = "Rancangan Seruni proyek arsip"
NOTE = "Mentor sangat membantu Seruni"
MARIA_ANSWER = "Jawaban rahasia Maria Cendrawasih"
# Names Budi's copy may carry on purpose: people he already sees in chat.
PARTNERS = {"Rina Kartika", "Dr. Agus Salim"}


async def _budi_history(bot: BotUnderTest, double: TelegramDouble) -> dict[str, DoubleUser]:
    users = await paired(bot, double)
    budi, rina = users[BUDI], users["Rina Kartika"]
    await budi.send_text("/refleksi")
    await budi.next_message()
    await budi.send_text(ANSWERS[0])
    await budi.next_message()
    await budi.send_photo(caption=EVIDENCE)
    await budi.next_message()
    for answer in ANSWERS[1:]:
        await budi.send_text(answer)
    await double.settle()
    await budi.press(with_buttons(budi.unread()), "📤 Kirim ke mentor")
    await bot.drained()
    budi.unread()
    await rina.press(with_buttons(rina.unread()), "✅ Setujui")
    await bot.drained()
    budi.unread()

    await rina.send_text("/sesi")
    await rina.press(await rina.next_message(), BUDI)
    await rina.press(await rina.next_message(), "Hari ini")
    await rina.next_message()
    await rina.send_text("1 jam")
    await rina.next_message()
    await rina.send_text(TOPIC)
    await rina.press(await rina.next_message(), "🤝 Luring")
    await bot.drained()
    rina.unread()
    await budi.press(with_buttons(budi.unread()), "✅ Benar, konfirmasi")
    await budi.press(await budi.next_message(), "⭐⭐⭐⭐")
    await double.settle()
    await budi.send_text(NOTE)
    await budi.next_message()

    maria = users["Maria Kogoya"]
    await submit_reflection(bot, maria, (MARIA_ANSWER, "b", "c", "d", "1 jam"))
    await bot.drained()
    for user in users.values():
        user.unread()
    return users


def _walk(value: Any, key: str = "") -> list[tuple[str, Any, Any]]:
    """Every (key, value, parent) in a parsed JSON document."""
    found: list[tuple[str, Any, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.append((k, v, value))
            found += _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            found += _walk(v, key)
    return found


async def test_mydata_holds_everything_about_the_person_and_nothing_of_others(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await _budi_history(bot, double)
    budi, siti = users[BUDI], users["Siti Rahmawati"]
    async with bot.svc.db.write() as conn:  # he marked the first milestone done
        person = await people.get_person_by_telegram(conn, BUDI_ID)
        assert person is not None
        [programme] = await programmes.programmes_of(conn, person.id, "mentee")
        first = (await programmes.milestones_of(conn, programme.id))[0]
        await milestone_marks.mark_done(conn, first.id, person.id, bot.clock.now())
    for command in (f"/nonaktif {BUDI_NIP}", f"/aktifkan {BUDI_NIP}"):  # two audited actions
        await siti.send_text(command)
        await siti.next_message()

    await budi.send_text("/dataku")
    await double.settle()
    [doc] = [m for m in budi.unread() if m.kind == "document"]
    stored = double.file(doc.file_ids[0])
    assert stored.file_path.endswith("pembina-data-2026-12-07.json")
    raw = stored.data.decode("utf-8")
    data = json.loads(raw)
    assert data["schema_version"] == 1
    assert data["generated_at"].startswith("2026-12-07T")
    sections = data["sections"]

    # Everything of his, as storage holds it.
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, BUDI_ID)
        assert person is not None
        [reflection] = sections["reflections"]
        own = await reflections.get_reflection(conn, reflection["id"])
        session = await sessions.get_session(conn, 1)
    assert own is not None
    assert own.person_id == person.id
    assert session is not None
    me = sections["person"]
    assert (me["name"], me["nip"], me["telegram_id"]) == (BUDI, BUDI_NIP, BUDI_ID)
    assert me["supervisor"] == "Dr. Agus Salim"
    assert sections["roles"] == ["mentee"]
    [mark] = sections["milestones"]
    assert (mark["title"], mark["confirmed_at"]) == (first.title, None)
    assert mark["done_at"] is not None
    actions = sections["coordinator_actions"]
    assert [(a["action"], a["after"]) for a in actions] == [
        ("person.inactive", {"status": "inactive"}),
        ("person.active", {"status": "active"}),
    ]
    assert [p["programme"] for p in sections["programmes"]] == ["Perubahan 2027"]
    assert [(p["your_role"], p["partner"]) for p in sections["pairings"]] == [
        ("mentee", "Rina Kartika")
    ]
    assert reflection["answers"] == own.answers
    assert set(ANSWERS[:4]) <= set(reflection["answers"].values())
    assert reflection["status"] == "approved"
    assert reflection["evidence"][0]["caption"] == EVIDENCE
    assert reflection["reviews"][0]["reviewer"] == "Rina Kartika"
    [mine] = sections["sessions"]
    assert (mine["topic"], mine["minutes"], mine["your_rating"], mine["your_rating_note"]) == (
        session.topic,
        session.minutes,
        4,
        NOTE,
    )
    assert all(s["telegram_id"] == BUDI_ID for s in sections["telegram_settings"])
    assert sections["invites"]
    assert sections["invites"][0]["used_by_telegram_id"] == BUDI_ID
    assert sections["messages_to_you"], "the notices Pembina sent him"
    assert sections["updates_from_you"], "the messages he sent"
    assert any(
        NOTE in json.dumps(u["payload"], ensure_ascii=False) for u in sections["updates_from_you"]
    )

    # Nothing of anyone else: no other NIP, no name but his deliberate partners', no
    # other answers, no other Telegram account.
    for name, nip in zip(IDS, NIPS, strict=False):
        if name == BUDI:
            continue
        assert nip not in raw, name
        if name not in PARTNERS:
            assert name not in raw, name
    assert MARIA_ANSWER not in raw
    accounts = set()
    for key, value, parent in _walk(data):
        if key in ("telegram_id", "chat_id", "used_by_telegram_id") and value is not None:
            accounts.add(value)
        if key == "id" and "first_name" in parent and not parent.get("is_bot"):
            accounts.add(value)
    assert accounts == {BUDI_ID}

    # The mentor's copy has her session without the rating note Budi wrote about her.
    rina = users["Rina Kartika"]
    await rina.send_text("/mydata")
    await double.settle()
    [rina_doc] = [m for m in rina.unread() if m.kind == "document"]
    rina_raw = double.file(rina_doc.file_ids[0]).data.decode("utf-8")
    rina_sessions = json.loads(rina_raw)["sections"]["sessions"]
    assert rina_sessions[0]["topic"] == TOPIC
    assert "your_rating_note" not in rina_sessions[0]
    assert NOTE not in rina_raw
    assert BUDI_NIP not in rina_raw
    # Nor her mentee's answers, though she pressed Approve under them and got his copy.
    assert not any(answer in rina_raw for answer in ANSWERS[:4])
    assert EVIDENCE not in rina_raw


async def _aggregates(bot: BotUnderTest) -> tuple[int, int, dict[int, int]]:
    async with bot.svc.db.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(reflections_table))).scalar()
        minutes = (await conn.execute(select(func.sum(mentoring_sessions.c.minutes)))).scalar()
    found = await ledger.coordinator_ledger(bot.svc, 2026)
    totals = {t.person.id: t.minutes for t in found.totals}
    return int(count or 0), int(minutes or 0), totals


async def test_erasure_confirmed_by_a_coordinator_leaves_no_trace_in_the_file(
    bot: BotUnderTest, double: TelegramDouble, db_url: str
) -> None:
    users = await _budi_history(bot, double)
    budi, siti, rina = users[BUDI], users["Siti Rahmawati"], users["Rina Kartika"]
    secrets = [BUDI, BUDI_NIP, *ANSWERS[:4], EVIDENCE, TOPIC, NOTE]
    async with bot.svc.db.read() as conn:
        found = await people.get_person_by_telegram(conn, BUDI_ID)
    assert found is not None
    own_id = found.id
    before = await stored_bytes(db_url)
    assert all(s.encode() in before for s in secrets)  # the test can see them
    counted = await _aggregates(bot)
    assert counted[0] == 2
    assert counted[1] == 60
    assert counted[2]
    admin = double.user(ADMIN_ID, first_name="Admin")  # a second coordinator, in chat
    await admin.send_text("/start")
    await admin.next_message()

    await budi.send_text("/hapusdata")
    explain = await budi.next_message()
    assert "Yang tetap disimpan" in explain.text
    await budi.press(explain, "🗑 Ya, ajukan penghapusan data")
    await bot.drained()
    assert "telah dikirim ke koordinator" in budi.current(explain).text
    [card] = [m for m in siti.unread() if m.buttons]
    assert BUDI in card.text
    confirm = card.buttons[0]["callback_data"]
    assert len(confirm.encode()) <= 64

    # Neither the person nor a mentor can confirm with a forged press.
    for forger in (budi, rina):
        await forger.press_data(forger.messages[-1].message_id, confirm)
        await double.settle()
        assert double.callback_answers[-1]["show_alert"] is True
    async with bot.svc.db.read() as conn:
        assert await people.get_person_by_telegram(conn, BUDI_ID) is not None

    [admin_card] = [m for m in admin.unread() if m.buttons]
    assert BUDI in admin_card.text

    await siti.press(card, "🗑 Setujui penghapusan")
    await bot.drained()
    assert "telah dihapus" in budi.unread()[-1].text
    assert BUDI not in siti.current(card).text
    assert BUDI not in admin.current(admin_card).text  # no chat keeps showing the name
    assert not admin.current(admin_card).buttons

    after = await stored_bytes(db_url)
    for secret in secrets:
        assert secret.encode() not in after, secret
    assert await _aggregates(bot) == counted
    async with bot.svc.db.read() as conn:
        erased = await people.get_person(conn, own_id)
        kept = await reflections.get_reflection(conn, 1)
        session = await sessions.get_session(conn, 1)
    assert erased is not None
    assert (erased.nip, erased.telegram_id, erased.unit) == (None, None, "Bidang Pengembangan SDM")
    assert erased.erased_at is not None
    assert kept is not None
    assert (kept.answers, kept.status, kept.minutes) == ({}, "approved", 90)
    assert session is not None
    assert (session.topic, session.rating_note, session.minutes, session.rating) == (
        "",
        None,
        60,
        4,
    )
    assert session.confirmed_at is not None

    # A stranger now: /start is the stranger's welcome, nothing of him is known.
    await budi.send_text("/start")
    assert "Selamat datang di" in (await budi.next_message()).text
    # His mentor sees a deleted participant where his name was.
    await rina.send_text("/mentee")
    await double.settle()
    listed = "\n".join(m.text for m in rina.unread())
    assert "peserta yang dihapus" in listed
    assert BUDI not in listed
    # Choosing whom a session was with, she sees the same marker on the button.
    await rina.send_text("/sesi")
    choose = await rina.next_message()
    assert [b["text"] for b in choose.buttons] == ["peserta yang dihapus", "Dewi Lestari"]
    await rina.send_text("/batal")
    await rina.next_message()
    # His copy now holds only what this account did since: nothing of the erased person.
    await budi.send_text("/batal")  # leave the registration /start began
    await budi.next_message()
    await budi.send_text("/dataku")
    await double.settle()
    [doc] = [m for m in budi.unread() if m.kind == "document"]
    copy = json.loads(double.file(doc.file_ids[0]).data)["sections"]
    assert "person" not in copy
    assert copy["join_requests"] == []
    assert copy["messages_to_you"] == []
    assert len(copy["updates_from_you"]) == 3  # /start, /batal, /dataku since the erasure
    # His supervisor's digest counts his week under the marker.
    agus = users["Dr. Agus Salim"]
    await agus.send_text("/ringkasan")
    await double.settle()
    digest = "\n".join(m.text for m in agus.unread())
    assert "peserta yang dihapus" in digest
    assert BUDI not in digest
    # His mentor's consultation record and the coordinator's report say the same.
    await rina.send_text("/kartu")
    choose = await rina.next_message()
    labels = [b["text"] for b in choose.buttons]
    [erased] = [i for i, label in enumerate(labels) if label.startswith("peserta yang dihapus · ")]
    await rina.press(choose, erased)
    await double.settle()
    pdf_doc, csv_doc = [m for m in rina.unread() if m.kind == "document"]
    pdf = PdfReader(io.BytesIO(double.file(pdf_doc.file_ids[0]).data))
    card_text = " ".join((page.extract_text() or "") for page in pdf.pages)
    csv_text = double.file(csv_doc.file_ids[0]).data.decode("utf-8-sig")
    for text in (card_text, csv_text):
        assert "peserta yang dihapus" in text
        assert ERASED_NAME not in text
        assert BUDI not in text
    await siti.send_text("/laporan")
    await double.settle()
    [report] = [m for m in siti.unread() if m.kind == "document"]
    book = load_workbook(io.BytesIO(double.file(report.file_ids[0]).data))
    names = {row[0] for row in book["Peserta"].iter_rows(min_row=2, values_only=True)}
    assert "peserta yang dihapus" in names
    assert ERASED_NAME not in names
    # A second press on the card changes nothing.
    await siti.press_data(card.message_id, confirm)
    await double.settle()
    assert "sudah diputuskan" in double.callback_answers[-1]["text"]


async def test_a_refused_erasure_changes_nothing(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    budi, siti = users[BUDI], users["Siti Rahmawati"]
    await budi.send_text("/erasemydata")
    await budi.press(await budi.next_message(), 0)
    await bot.drained()
    budi.unread()
    await budi.send_text("/hapusdata")  # asked again while it waits
    again = await budi.next_message()
    await budi.press(again, 0)
    await double.settle()
    assert "masih menunggu" in budi.current(again).text
    [card] = [m for m in siti.unread() if m.buttons]
    confirm = card.buttons[0]["callback_data"]

    await siti.press(card, "✖️ Tolak")
    await bot.drained()
    assert "menolak permintaan penghapusan" in budi.unread()[-1].text
    async with bot.svc.db.read() as conn:
        person = await people.get_person_by_telegram(conn, BUDI_ID)
    assert person is not None
    assert person.name == BUDI
    assert person.nip == BUDI_NIP
    assert person.erased_at is None
    # Confirming afterwards (an old card, a double tap) changes nothing.
    await siti.press_data(card.message_id, confirm)
    await double.settle()
    assert "sudah diputuskan" in double.callback_answers[-1]["text"]
    await budi.send_text("/profil")
    assert BUDI in (await budi.next_message()).text
