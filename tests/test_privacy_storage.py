"""Erasure at the storage level: SQLite zeroes what is freed, and the scrub empties the WAL;
an erased name renders as "deleted participant" in every language."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from bot.exports.personal_data_file import data_json
from bot.flows import personal_data
from bot.flows.identity import Viewer, who
from bot.flows.personal_data import Asked, Decided, _plain
from bot.flows.services import Services
from bot.i18n import person_name, plain, t
from storage import audit, conversations, people
from storage import personal_data as stored
from storage.db import Database
from storage.models import ERASED_NAME
from tests.postgres import sqlite_only, stored_bytes

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
SECRET = "Zyxwvu Quintessa Marlowe"


@sqlite_only("PRAGMA secure_delete")
async def test_every_connection_has_secure_delete(db: Database) -> None:
    async with db.read() as conn:
        assert (await conn.execute(text("PRAGMA secure_delete"))).scalar() == 1


async def test_deleted_and_changed_rows_leave_no_copy_after_the_scrub(
    db: Database, db_url: str
) -> None:
    async with db.write() as conn:
        person_id = await people.insert_person(
            conn,
            nip="199001012020011001",
            name=SECRET,
            unit="Bidang Mutasi",
            timezone="Asia/Jakarta",
            language="id",
            roles=["mentee"],
            now=NOW,
        )
        for telegram_id, answer in ((1, "y" * 50), (2, f"draft of {SECRET}"), (3, "z" * 50)):
            await conversations.save_conversation(
                conn, telegram_id, flow="reflect", step="q1", data={"answer": answer}, now=NOW
            )
    assert SECRET.encode() in await stored_bytes(db_url)
    async with db.write() as conn:
        await people.update_person(conn, person_id, NOW, name=ERASED_NAME, nip=None)
        await conversations.clear_conversation(conn, 2)  # a row between two others
    await db.scrub()
    content = await stored_bytes(db_url)
    assert SECRET.encode() not in content
    assert b"199001012020011001" not in content


def test_an_erased_name_reads_as_deleted_participant_in_each_language() -> None:
    assert person_name("id", ERASED_NAME) == "peserta yang dihapus"
    assert person_name("en", ERASED_NAME) == "deleted participant"
    assert person_name("en", "Rina Kartika") == "Rina Kartika"
    shown = t("en", "pair.your_mentee", mentee=ERASED_NAME, unit="-", programme="P", status="")
    assert "deleted participant" in shown
    assert ERASED_NAME not in shown
    assert "peserta yang dihapus" in plain(
        "id", "privacy.erase_notify", name=ERASED_NAME, unit="-"
    )


def test_the_document_is_readable_utf8_json_with_iso_dates() -> None:
    document = _plain({"at": NOW, "on": date(2026, 12, 7), "rows": [{"name": "Wayan Sudiarta ñ"}]})
    assert document == {
        "at": "2026-12-07T02:00:00+00:00",
        "on": "2026-12-07",
        "rows": [{"name": "Wayan Sudiarta ñ"}],
    }
    raw = data_json(document)
    assert "Wayan Sudiarta ñ".encode() in raw
    assert json.loads(raw) == document


def test_without_secure_delete_the_old_name_would_stay(tmp_path: Path) -> None:
    """The check above can fail: SQLite builds differ (Debian's zeroes by default, others
    do not), and with ``secure_delete`` off a deleted row's text stays in the file even
    after a checkpoint. Hence the explicit pragma on every connection."""
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA secure_delete=OFF")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY, data TEXT)")
    for data in ("y" * 50, f"draft of {SECRET}", "z" * 50):
        conn.execute("INSERT INTO conversations (data) VALUES (?)", (data,))
    conn.execute("DELETE FROM conversations WHERE id = 2")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert SECRET.encode() in path.read_bytes()


async def _member(svc: Services, telegram_id: int, name: str, roles: list[str]) -> Viewer:
    async with svc.db.write() as conn:
        await people.insert_person(
            conn,
            nip=f"1990010120200110{telegram_id:02d}",
            name=name,
            unit="Bidang Mutasi",
            timezone="Asia/Jakarta",
            language="id",
            roles=roles,
            now=NOW,
            telegram_id=telegram_id,
        )
    return await who(svc, telegram_id)


async def test_only_another_coordinator_decides_and_only_once(svc: Services) -> None:
    siti = await _member(svc, 11, "Siti Koordinator", ["coordinator"])
    budi = await _member(svc, 12, "Budi Peserta", ["mentee"])
    assert await personal_data.request_erasure(svc, budi) is Asked.FILED
    assert await personal_data.request_erasure(svc, budi) is Asked.ALREADY
    assert await personal_data.request_erasure(svc, siti) is Asked.FILED
    stranger = await who(svc, 99)
    assert await personal_data.request_erasure(svc, stranger) is Asked.NOT_MEMBER

    refused = await personal_data.decide(svc, budi, 1, erase=True)  # his own request
    assert refused.outcome is Decided.NOT_ALLOWED
    own = await personal_data.decide(svc, siti, 2, erase=True)  # hers: someone else decides
    assert own.outcome is Decided.NOT_ALLOWED
    assert (await personal_data.decide(svc, siti, 7, erase=True)).outcome is Decided.NOT_FOUND

    done = await personal_data.decide(svc, siti, 1, erase=True)
    assert done.outcome is Decided.ERASED
    assert done.told == (12, "id")
    again = await personal_data.decide(svc, siti, 1, erase=False)
    assert again.outcome is Decided.ALREADY_DECIDED
    admin = await who(svc, 900)  # a configured coordinator decides Siti's own request
    assert (await personal_data.decide(svc, admin, 2, erase=False)).outcome is Decided.REFUSED
    async with svc.db.read() as conn:
        request = await stored.get_request(conn, 1)
        erased = await people.get_person(conn, 2)
    assert request is not None
    assert (request.status, request.decided_at) == ("erased", NOW)
    assert erased is not None
    assert (erased.name, erased.nip, erased.telegram_id) == (ERASED_NAME, None, None)
    assert (await who(svc, 12)).person is None  # a stranger now


async def test_audit_entries_keep_the_action_and_lose_the_facts_about_the_person(
    db: Database, db_url: str
) -> None:
    """A coordinator's decision on someone's join request recorded their name and NIP;
    after the erasure the entry still says what was done and when, not to whom."""
    nip = "199001012020011001"
    async with db.write() as conn:
        person_id = await people.insert_person(
            conn, nip=nip, name=SECRET, unit="Bidang Mutasi", timezone="Asia/Jakarta",
            language="id", roles=["mentee"], now=NOW,
        )  # fmt: skip
        await audit.record(
            conn, at=NOW, action="join.approved", actor_label="chat",
            before={"name": SECRET, "nip": nip}, after={"status": "approved"},
        )  # fmt: skip
        await audit.record(
            conn, at=NOW, action="person.inactive", actor_label="chat",
            subject_person_id=person_id, before={"status": "active"},
            after={"status": "inactive"},
        )  # fmt: skip
        await audit.record(
            conn, at=NOW, action="programme.created", actor_label="cli", after={"name": "X"}
        )
        person = await people.get_person(conn, person_id)
        assert person is not None
        await stored.erase(conn, person, NOW)
    await db.scrub()
    async with db.read() as conn:
        entries = await audit.entries(conn, limit=10)
    assert sorted(e.action for e in entries) == [
        "join.approved",
        "person.inactive",
        "programme.created",
    ]
    facts = {e.action: (e.before, e.after) for e in entries}
    assert facts["join.approved"] == (None, None)
    assert facts["person.inactive"] == (None, None)
    assert facts["programme.created"] == (None, {"name": "X"})  # about nobody: kept
    raw = await stored_bytes(db_url)
    assert SECRET.encode() not in raw
    assert nip.encode() not in raw
