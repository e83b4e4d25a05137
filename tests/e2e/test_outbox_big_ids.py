"""Keys past 32 bits: a national rollout queues billions of messages and nudges over the years.

On PostgreSQL the high-volume tables' keys were ``integer`` (2**31 - 1 at most): a row with a
larger id could not even be stored. On SQLite an INTEGER PRIMARY KEY is 64-bit already.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, text

from bot.telegram_double import TelegramDouble
from storage import nudges, outbox, people
from storage.schema import nudges as nudges_table
from storage.schema import outbox as outbox_table
from tests import postgres
from tests.e2e.conftest import BotUnderTest

BIG = 2**31 + 5
USER = 7001


async def test_a_message_with_a_key_past_32_bits_is_sent(
    bot: BotUnderTest, double: TelegramDouble
) -> None:
    user = double.user(USER, first_name="Sari")
    double.open_chat(USER)
    now = bot.clock.now()
    async with bot.svc.db.write() as conn:
        row = outbox.row(dedup_key="big", chat_id=USER, text="Pesan nomor besar", now=now)
        await conn.execute(insert(outbox_table).values(id=BIG, **row))
        person = await people.insert_person(
            conn,
            nip=None,
            name="Sari",
            unit=None,
            timezone="Asia/Jakarta",
            language="id",
            roles=["mentee"],
            now=now,
        )
        await conn.execute(
            insert(nudges_table).values(
                id=BIG + 1,
                person_id=person,
                kind="reflection",
                period="p",
                local_date=now.date(),
                created_at=now,
            )
        )
        # The next key handed out follows on (a 64-bit sequence on PostgreSQL).
        # (the next day: one nudge per person per local day is a constraint)
        assert await nudges.record(
            conn,
            person_id=person,
            kind="reflection",
            period="q",
            local_date=now.date() + timedelta(days=1),
            now=now,
        )
    bot.svc.outbox_wake()
    await bot.drained()
    assert [m.text for m in user.unread()] == ["Pesan nomor besar"]
    async with bot.svc.db.read() as conn:
        status = await conn.scalar(select(outbox_table.c.status).where(outbox_table.c.id == BIG))
    assert status == outbox.SENT


async def test_high_volume_keys_are_64_bit_on_postgresql(bot: BotUnderTest) -> None:
    """Every key that grows with use, and every key pointing at one, is ``bigint``."""
    if postgres.SERVER is None:
        return  # SQLite: INTEGER PRIMARY KEY is the 64-bit rowid whatever it is called
    columns = [
        ("outbox", "id"),
        ("nudges", "id"),
        ("audit_log", "id"),
        ("reflections", "id"),
        ("reflection_evidence", "id"),
        ("reflection_evidence", "reflection_id"),
        ("reviews", "id"),
        ("reviews", "reflection_id"),
        ("mentoring_sessions", "id"),
    ]
    async with bot.svc.db.read() as conn:
        found = {
            (table, column): await conn.scalar(
                text(
                    "SELECT data_type FROM information_schema.columns"
                    " WHERE table_name = :table AND column_name = :column"
                ),
                {"table": table, "column": column},
            )
            for table, column in columns
        }
        listed = await conn.execute(text("SELECT sequencename, data_type FROM pg_sequences"))
        sequences: dict[str, str] = {row[0]: row[1] for row in listed}
    assert set(found.values()) == {"bigint"}, found
    assert {sequences[f"{t}_id_seq"] for t, c in columns if c == "id"} == {"bigint"}
