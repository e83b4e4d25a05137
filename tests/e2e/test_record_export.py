"""/kartu (/record): a mentee's consultation record as a PDF and a CSV document.

The evidence is written straight to storage (how it got there is other tests' business):
Budi has a confirmed, a disputed and an unconfirmed session (one with a long topic), an
approved reflection and one sent back for revision, and one milestone confirmed by Rina.
The documents are downloaded from the double and read back (pypdf, csv) and compared with
what storage holds.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from pypdf import PdfReader

from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import milestone_marks, pairings, people, programmes, reflections, sessions
from storage import record as record_facts
from tests.e2e.conftest import BotUnderTest
from tests.e2e.world import PROGRAMME, paired

BUDI_NIP = "199503172020121005"
MARIA_NIP = "199802142022032008"
LONG_TOPIC = (
    "Menyusun rancangan proyek perubahan: identifikasi isu strategis, analisis pemangku "
    "kepentingan, peta jalan jangka pendek dan menengah, serta rencana komunikasi & evaluasi"
)
TOPICS = ("Rencana aksi <awal>", LONG_TOPIC, "Tindak lanjut")


async def _evidence(bot: BotUnderTest) -> dict[str, int]:
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        programme = await programmes.get_programme_by_name(conn, PROGRAMME)
        budi = await people.get_person_by_nip(conn, BUDI_NIP)
        maria = await people.get_person_by_nip(conn, MARIA_NIP)
        assert programme is not None
        assert budi is not None
        assert maria is not None
        mentor = (await pairings.of_mentee(conn, budi.id, ("active",)))[0].mentor_id
        for n, (topic, fate) in enumerate(
            zip(TOPICS, (sessions.confirm, sessions.dispute, None), strict=True)
        ):
            logged = await sessions.log_session(
                conn, programme_id=programme.id, mentor_id=mentor, mentee_id=budi.id,
                held_on=date(2026, 12, 8) + timedelta(days=n), minutes=60 + 30 * n,
                topic=topic, mode="offline" if n else "online", logged_by_id=mentor, now=now,
            )  # fmt: skip
            if fate is not None:
                assert await fate(conn, logged.id, now + timedelta(days=n + 1))
        for week, decision, status in (
            (date(2026, 12, 7), "approve", "approved"),
            (date(2026, 12, 14), "revision", "revision"),
        ):
            draft = await reflections.open_draft(conn, programme.id, budi.id, week, now)
            await reflections.set_state(conn, draft.id, status=status, now=now, expect=("draft",))
            await reflections.add_review(
                conn, reflection_id=draft.id, reviewer_id=mentor, version=1,
                decision=decision, comment=None, now=now + timedelta(days=4),
            )  # fmt: skip
        first = (await programmes.milestones_of(conn, programme.id))[0]
        mark = await milestone_marks.mark_done(conn, first.id, budi.id, now)
        assert mark is not None
        assert await milestone_marks.confirm(conn, mark.id, mark.round, mentor, now)
        return {"budi": budi.id, "maria": maria.id, "programme": programme.id}


async def _documents(bot: BotUnderTest, user: DoubleUser) -> list[SentMessage]:
    await bot.drained()
    return [m for m in user.unread() if m.kind == "document"]


def _pdf_text(double: TelegramDouble, message: SentMessage) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(double.file(message.file_ids[0]).data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    """Words as one line: a wrapped cell's line breaks are only layout."""
    return " ".join(text.split())


async def test_mentor_gets_their_mentees_record_and_it_matches_storage(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    ids = await _evidence(bot)
    rina = users["Rina Kartika"]

    await rina.send_text("/kartu")
    choose = await rina.next_message()
    assert [b["text"] for b in choose.buttons] == [
        f"Budi Santoso · {PROGRAMME}",
        f"Dewi Lestari · {PROGRAMME}",
    ]
    await rina.press(choose, 0)
    pdf_doc, csv_doc = await _documents(bot, rina)
    assert double.file(pdf_doc.file_ids[0]).file_path.endswith(
        "kartu-konsultasi-budi-santoso-perubahan-2027.pdf"
    )
    assert "Kartu konsultasi mentoring Budi Santoso" in pdf_doc.text
    assert "3 sesi, 2 refleksi, 3 tonggak" in pdf_doc.text

    reader, text = _pdf_text(double, pdf_doc)
    flat = _flat(text)
    assert reader.pages[0].mediabox.width == 595.28  # A4 in points
    assert "Kartu Konsultasi Mentoring" in flat
    assert "Budi Santoso" in flat
    assert "Rina Kartika" in flat
    assert BUDI_NIP not in flat  # a mentor's copy has no NIP
    async with bot.svc.db.read() as conn:
        held = await record_facts.sessions_of(conn, ids["budi"], ids["programme"])
        marks = await milestone_marks.of_people(conn, [ids["budi"]])
    assert [s.topic for s in held] == list(TOPICS)
    # Every session's topic and date, as storage holds them (long topics wrapped, not cut).
    for session in held:
        assert _flat(session.topic) in flat
        assert f"{session.held_on.day} Desember 2026 {_flat(session.topic)}" in flat
    assert [m.state for m in marks[ids["budi"]].values()] == ["confirmed"]
    assert "Dikonfirmasi 8 Desember 2026" in flat  # answered a day after logging
    assert "Dibantah 9 Desember 2026" in flat  # two days after
    assert "Belum dikonfirmasi" in flat
    assert "1,33" in flat  # 60 minutes as JP, decimal comma
    assert "60 menit = 1,33 JP" in flat  # only the confirmed one counts
    assert "7 Desember 2026 Disetujui 11 Desember 2026" in flat
    assert "14 Desember 2026 Diminta revisi 11 Desember 2026" in flat
    assert "Rancangan proyek perubahan disetujui" in flat
    assert "Dikonfirmasi mentor 7 Desember 2026" in flat
    assert flat.count("Belum selesai") == 2
    assert "Halaman 1 dari" in flat
    assert f"dari {len(reader.pages)}" in flat
    assert "Dibuat 7 Desember 2026 pukul 09.00 WIB" in flat  # Rina's clock

    rows = list(
        csv.DictReader(io.StringIO(double.file(csv_doc.file_ids[0]).data.decode("utf-8-sig")))
    )
    assert "NIP mentee" not in rows[0]
    assert [r["Jenis"] for r in rows] == ["Sesi mentoring"] * 3 + ["Refleksi"] * 2 + [
        "Tonggak"
    ] * 3
    assert [r["Uraian"] for r in rows[:3]] == list(TOPICS)
    assert [r["Status"] for r in rows[:3]] == ["Dikonfirmasi", "Dibantah", "Belum dikonfirmasi"]
    # Rina logged them: Budi confirmed or disputed, nobody answered the third yet.
    assert [r["Oleh"] for r in rows[:3]] == ["Budi Santoso", "Budi Santoso", ""]
    assert [r["Tanggal"] for r in rows[:3]] == ["2026-12-08", "2026-12-09", "2026-12-10"]
    assert [r["Menit"] for r in rows[:3]] == ["60", "90", "120"]
    assert [r["Status"] for r in rows[3:5]] == ["Disetujui", "Diminta revisi"]
    assert [r["Status"] for r in rows[5:]] == ["Dikonfirmasi", "Belum selesai", "Belum selesai"]
    assert {r["Mentee"] for r in rows} == {"Budi Santoso"}
    assert {r["Mentor"] for r in rows} == {"Rina Kartika"}


async def test_a_mentor_asking_for_someone_elses_mentee_is_refused(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    ids = await _evidence(bot)
    rina = users["Rina Kartika"]

    await rina.send_text(f"/kartu {MARIA_NIP}")  # Yohanes's mentee
    await bot.drained()
    replies = rina.unread()
    assert [m.kind for m in replies] == ["text"]
    assert "tidak dapat Anda unduh" in replies[0].text

    await rina.send_text("/kartu")
    choose = await rina.next_message()
    forged = f"kt:{ids['maria']}:{ids['programme']}"
    await rina.press_data(choose.message_id, forged)
    await bot.drained()
    assert double.callback_answers[-1]["show_alert"] is True
    assert "tidak dapat Anda unduh" in double.callback_answers[-1]["text"]
    assert [m for m in rina.unread() if m.kind == "document"] == []

    await rina.send_text("/kartu 12345")
    assert "18 angka" in (await rina.next_message()).text

    # A supervisor picks among the people they supervise, and only those.
    agus = users["Dr. Agus Salim"]
    await agus.send_text("/kartu")
    offered = [b["text"] for b in (await agus.next_message()).buttons]
    assert f"Budi Santoso · {PROGRAMME}" in offered
    assert not [b for b in offered if "Maria" in b]
    await agus.send_text(f"/kartu {MARIA_NIP}")
    assert "tidak dapat Anda unduh" in (await agus.next_message()).text


async def test_mentee_gets_their_own_at_once_and_coordinator_by_nip_with_nip(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    users = await paired(bot, double)
    await _evidence(bot)
    budi, siti, dewi = users["Budi Santoso"], users["Siti Rahmawati"], users["Dewi Lestari"]

    await budi.send_text("/kartu")
    pdf_doc, _ = await _documents(bot, budi)
    _, text = _pdf_text(double, pdf_doc)
    assert "Budi Santoso" in text
    assert BUDI_NIP not in text

    await siti.send_text("/kartu")
    assert "tuliskan NIP" in (await siti.next_message()).text
    await siti.send_text(f"/kartu {BUDI_NIP}")
    pdf_doc, csv_doc = await _documents(bot, siti)
    _, text = _pdf_text(double, pdf_doc)
    assert BUDI_NIP in text  # a coordinator's copy
    rows = list(
        csv.DictReader(io.StringIO(double.file(csv_doc.file_ids[0]).data.decode("utf-8-sig")))
    )
    assert {r["NIP mentee"] for r in rows} == {BUDI_NIP}

    await dewi.send_text("/record")  # reads English; has no sessions
    pdf_doc, csv_doc = await _documents(bot, dewi)
    _, text = _pdf_text(double, pdf_doc)
    flat = _flat(text)
    assert "Mentoring consultation record" in flat
    assert "Page 1 of 1" in flat
    assert "No mentoring session has been logged yet." in flat
    assert "Generated 7 December 2026 at 09:00 WIB" in flat
    assert (
        double.file(csv_doc.file_ids[0])
        .data.decode("utf-8-sig")
        .startswith("Programme,Mentee,Mentor,Kind")
    )

    # Someone who is nobody's mentee, mentor or supervisor here has no record to ask for.
    made = users["Made Wirawan"]
    async with bot.svc.db.write() as conn:
        person = await people.get_person_by_nip(conn, "199612252022031007")
        assert person is not None
        await people.set_roles(conn, person.id, ["supervisor"])
    await made.send_text("/kartu")
    await bot.drained()
    assert "hanya tersedia bagi" in made.unread()[-1].text
