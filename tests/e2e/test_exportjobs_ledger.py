"""A large JP ledger is built beside the chat: a status message at once, edited as the file
grows and when it is sent; other people are answered meanwhile; a second request waits its
turn; a file over the upload limit is not sent but explained.

The evidence (500 mentees, a year of approved weekly reflections: 24 500 rows, a build of
many progress intervals) is written straight to storage in bulk: how it got there is other
tests' business. Nothing is timed: the order of what the double received shows what ran
when. The first document is held at the double until the other requests are answered, so
"answered while the file is on its way" does not hang on the build outlasting them (it
took 3 000 mentees, 40 s, and failed under load on PostgreSQL): a bot whose handler waited
for the build, or built on the event loop, answers nothing while the document is held.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from bot.telegram_double import DoubleUser, SentMessage, TelegramDouble
from storage import people
from storage.rows import inserted_id
from storage.schema import people as people_table
from storage.schema import person_roles, programme_members, programmes, reflections
from tests.e2e.conftest import BotUnderTest

COORDINATOR = 7001
FIRST_MONDAY = date(2025, 12, 29)  # the week of 1 January 2026 starts in 2025: not counted


async def _seed(bot: BotUnderTest, size: int) -> None:
    """A coordinator on Telegram and ``size`` mentees with 52 weeks of approved reflections."""
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        programme = inserted_id(
            await conn.execute(
                insert(programmes).values(
                    name="Latsar 2026", kind="umum", starts_on=FIRST_MONDAY,
                    ends_on=FIRST_MONDAY + timedelta(weeks=53), reflection_weekday=4,
                    questions=[], created_at=now,
                )
            )
        )  # fmt: skip
        await people.insert_person(
            conn, nip=None, name="Koordinator", unit="BKPSDM", timezone="Asia/Jakarta",
            language="id", roles=["coordinator"], now=now, telegram_id=COORDINATOR,
        )  # fmt: skip
        first = inserted_id(
            await conn.execute(
                insert(people_table).values(
                    name="Mentee 0", unit="Unit 0", timezone="Asia/Jakarta", language="id",
                    created_at=now, updated_at=now,
                )
            )
        )  # fmt: skip
        ids = [first + n for n in range(size)]
        await conn.execute(
            insert(people_table),
            [
                {"id": i, "name": f"Mentee {n}", "nip": f"1990010120150{n:05d}",
                 "unit": f"Unit {n // 100}", "timezone": "Asia/Jakarta", "language": "id",
                 "created_at": now, "updated_at": now}
                for n, i in enumerate(ids) if n
            ],
        )  # fmt: skip
        await conn.execute(insert(person_roles), [{"person_id": i, "role": "mentee"} for i in ids])
        await conn.execute(
            insert(programme_members),
            [{"programme_id": programme, "person_id": i, "role": "mentee"} for i in ids],
        )
        await conn.execute(
            insert(reflections),
            [
                {"programme_id": programme, "person_id": i,
                 "week_start": FIRST_MONDAY + timedelta(weeks=w), "status": "approved",
                 "answers": {}, "minutes": 60, "version": 1, "late": False,
                 "submitted_at": now, "created_at": now, "updated_at": now}
                for i in ids
                for w in range(1, 50)
            ],
        )  # fmt: skip


def _chat(double: TelegramDouble, user: DoubleUser) -> list[SentMessage]:
    return double.messages_in(user.user_id)


def _documents(double: TelegramDouble, user: DoubleUser) -> list[SentMessage]:
    return [m for m in _chat(double, user) if m.kind == "document"]


@pytest.mark.long
async def test_large_ledger_is_built_beside_the_chat_with_progress(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    bot.svc.progress_every = 0.05  # edits as often as the figure moves (Telegram's 2 s is slow)
    await _seed(bot, 500)
    coordinator = double.user(COORDINATOR, first_name="Koordinator")
    other = double.user(7002, first_name="Tamu")
    first_document = double.hold_next("sendDocument")

    await coordinator.send_text("/ledgerjp 2026")
    status = await coordinator.next_message(timeout=30)
    assert status.kind == "text"
    assert status.text == "⏳ Menyiapkan buku JP 2026… 0 %"

    await coordinator.send_text("/ledgerjp 2026")  # impatient
    again = await coordinator.next_message(timeout=30)
    assert "masih disiapkan" in again.text
    await other.send_text("/help")
    await other.next_message(timeout=30)
    # both answered while the file was still being built: nothing sent yet
    assert _documents(double, coordinator) == []
    assert status.text.startswith("⏳ Menyiapkan buku JP 2026")
    first_document.set()

    await double.wait_until(lambda: "sudah dikirim" in status.text, timeout=300)
    assert status.text == "✅ buku JP 2026 sudah dikirim."
    figures = [h for h in status.history if "Menyiapkan" in h]
    shown = [int(h.split("… ")[1].split(" %")[0]) for h in figures]
    assert shown[0] == 0
    assert any(0 < p < 100 for p in shown), shown  # the figure moved while it was built
    assert shown == sorted(shown)
    assert len(set(shown)) == len(shown)  # an edit only when the figure changed
    xlsx, csv_doc = _documents(double, coordinator)
    assert xlsx.text.startswith("Buku JP 2026: 500 orang, 24500 baris")
    assert double.file(csv_doc.file_ids[0]).file_path.endswith("buku-jp-2026.csv")
    book = load_workbook(io.BytesIO(double.file(xlsx.file_ids[0]).data), read_only=True)
    assert book.sheetnames == ["Ringkasan", "Latsar 2026"]
    assert sum(1 for _ in book["Ringkasan"].iter_rows(values_only=True)) == 501
    lines = double.file(csv_doc.file_ids[0]).data.decode("utf-8-sig").splitlines()
    assert len(lines) == 24_501

    calls = [c.method.lower() for c in double.calls if c.method.lower() != "getupdates"]
    # the reply to someone else went out before the first document did
    help_at = next(
        n for n, c in enumerate(double.calls) if c.params.get("chat_id") == other.user_id
    )
    document_at = next(n for n, c in enumerate(double.calls) if c.method.lower() == "senddocument")
    assert help_at < document_at
    assert calls.count("senddocument") == 2

    coordinator.unread()
    await coordinator.send_text("/ledgerjp 2026")  # done: a new request is welcome again
    assert "Menyiapkan" in (await coordinator.next_message(timeout=30)).text
    # Finished, not stopped: a write-only workbook cut off mid-row leaves openpyxl's writers
    # unclosed, and their "exception ignored" fails whichever test runs next.
    await bot.drained(timeout=300)


async def test_a_file_over_the_upload_limit_is_explained_not_sent(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    bot.svc.max_upload_bytes = 20_000  # as if Telegram took 20 kB (it takes 50 MB)
    # 40 people's year makes a 64 kB workbook and a 138 kB CSV, both well over the limit
    # (200 people, 294 kB and 699 kB, cost the two builds 1.5 s more CPU for nothing)
    await _seed(bot, 40)
    coordinator = double.user(COORDINATOR, first_name="Koordinator")
    await coordinator.send_text("/ledgerjp 2026")
    await bot.drained(timeout=120)
    messages = _chat(double, coordinator)
    assert [m.kind for m in messages] == ["text"], [m.text for m in messages]
    assert "terlalu besar untuk dikirim lewat Telegram" in messages[0].text
    assert "batasnya 19,5 kB" in messages[0].text
    assert "/ledgerjp 2025" in messages[0].text
    assert not any(c.method.lower() == "senddocument" for c in double.calls)

    bot.svc.max_upload_bytes = 50 * 1024 * 1024
    await coordinator.send_text("/ledgerjp 2026")  # the refusal freed the way for another try
    await bot.drained(timeout=120)
    assert len(_documents(double, coordinator)) == 2


async def test_stopping_the_bot_stops_a_build_and_says_so(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    await _seed(bot, 500)  # seconds of building: the stop below comes straight after its start
    coordinator = double.user(COORDINATOR, first_name="Koordinator")
    await coordinator.send_text("/ledgerjp 2026")
    status = await coordinator.next_message(timeout=30)
    assert "Menyiapkan" in status.text
    await bot.stop()  # does not wait for the file: the build gives up
    assert "terhenti karena bot sedang dimulai ulang" in status.text
    assert _documents(double, coordinator) == []

    await bot.start()  # after the restart the person may ask again (nothing is stuck)
    await coordinator.send_text("/ledgerjp 2026")
    assert "Menyiapkan" in (await coordinator.next_message(timeout=30)).text
    await bot.stop()


async def test_a_file_telegram_refuses_is_reported_on_the_status(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    await _seed(bot, 20)
    double.fail_next("sendDocument", 400, "Bad Request: file must be non-empty")
    coordinator = double.user(COORDINATOR, first_name="Koordinator")
    await coordinator.send_text("/ledgerjp 2026")
    await bot.drained(timeout=60)
    # The export's own messages: the minute tick may also bring the coordinator Monday's
    # programme digest, depending on when it runs after the seeding.
    messages = [m for m in _chat(double, coordinator) if "buku JP" in m.text or m.kind != "text"]
    assert [m.kind for m in messages] == ["text"]  # no file, and no "sent"
    assert "tidak dapat dibuat kali ini" in messages[0].text
    assert "Silakan coba lagi" in messages[0].text
