"""``pembina export record``: an operator writes one mentee's consultation record (a
coordinator's copy, NIP included) as PDF or CSV; bad arguments are one clear line."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader

from storage import people, sessions
from storage.db import Database
from tests.conftest import DEMO_ROSTER
from tests.test_cli import _pembina

BUDI_NIP = "199503172020121005"


def _programme(tmp_path: Path, name: str, start: str) -> None:
    created = _pembina(
        tmp_path, "program", "create", "--name", name, "--kind", "latsar",
        "--start", start, "--end", "2026-06-26", "--reflection-day", "friday",
        "--members", str(DEMO_ROSTER),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr


def test_export_record_pdf_and_csv(tmp_path: Path) -> None:
    assert _pembina(tmp_path, "roster", "import", str(DEMO_ROSTER)).returncode == 0
    _programme(tmp_path, "Latsar 2026", "2026-01-05")

    async def logged_session() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        now = datetime(2026, 3, 2, 3, tzinfo=UTC)
        async with db.write() as conn:
            budi = await people.get_person_by_nip(conn, BUDI_NIP)
            rina = await people.get_person_by_nip(conn, "198209142008012003")
            assert budi is not None
            assert rina is not None
            await sessions.log_session(
                conn, programme_id=1, mentor_id=rina.id, mentee_id=budi.id,
                held_on=date(2026, 3, 2), minutes=90, topic="Rencana aktualisasi",
                mode="online", logged_by_id=rina.id, now=now,
            )  # fmt: skip
        await db.dispose()

    asyncio.run(logged_session())
    pdf = _pembina(tmp_path, "export", "record", "--nip", BUDI_NIP, "--out", "kartu.pdf")
    assert pdf.returncode == 0, pdf.stderr
    assert "Kartu konsultasi Budi Santoso (Latsar 2026) ditulis ke kartu.pdf." in pdf.stdout
    reader = PdfReader(tmp_path / "kartu.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Kartu Konsultasi Mentoring" in text
    assert f"NIP mentee {BUDI_NIP}" in text  # the operator's copy is a coordinator's
    assert "2 Maret 2026 Rencana aktualisasi Daring 90 2,00 Belum dikonfirmasi" in text
    assert "Halaman 1 dari 1" in text

    out = _pembina(
        tmp_path, "export", "record", "--nip", BUDI_NIP, "--out", "kartu.csv",
        PEMBINA_LANGUAGE="en",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = (tmp_path / "kartu.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows[0]["Kind"] == "Mentoring session"
    assert rows[0]["Mentee NIP"] == BUDI_NIP
    assert rows[0]["Item"] == "Rencana aktualisasi"
    assert {r["Kind"] for r in rows[1:]} == {"Milestone"}

    bad = _pembina(tmp_path, "export", "record", "--nip", BUDI_NIP, "--out", "kartu.xlsx")
    assert bad.returncode == 2
    assert "harus berakhiran .pdf atau .csv" in bad.stderr
    unknown = _pembina(
        tmp_path, "export", "record", "--nip", "199001012020121999", "--out", "x.pdf"
    )
    assert unknown.returncode == 2
    assert "Tidak ada mentee dengan NIP 199001012020121999" in unknown.stderr

    _programme(tmp_path, "Latsar 2026 gelombang 2", "2026-02-02")
    two = _pembina(tmp_path, "export", "record", "--nip", BUDI_NIP, "--out", "x.pdf")
    assert two.returncode == 2
    assert "Latsar 2026, Latsar 2026 gelombang 2" in two.stderr
    chosen = _pembina(
        tmp_path, "export", "record", "--nip", BUDI_NIP, "--programme", "latsar 2026 GELOMBANG 2",
        "--out", "x.pdf",
    )  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    assert not (tmp_path / "x.xlsx").exists()
