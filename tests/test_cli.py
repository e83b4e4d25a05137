"""The command line as an operator uses it: real files, exit codes, stdout and stderr.

Each command runs ``bot.cli.main`` in this process (``tests/cli_runner.py``: its own
environment, folder and streams); tests/e2e/test_input_cli.py starts real processes where
the process itself is the point (the entry points, a closed pipe, a missing driver).
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import subprocess
from pathlib import Path

import pytest

from bot.telegram_double import TelegramDouble
from tests import cli_runner
from tests.conftest import DEMO_ROSTER, REPO

ENV_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "PEMBINA_ADMIN_IDS",
    "PEMBINA_TIMEZONE",
    "PEMBINA_LANGUAGE",
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(
        {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "PYTHONPATH": str(REPO)}
    )
    env.update(extra)
    return env


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def _pembina(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``pembina ARGS`` run in ``tmp_path`` with the test's environment (in this process)."""
    return cli_runner.run(args, cwd=tmp_path, env=_env(tmp_path, **env))


def test_roster_import_good_bad_and_again(tmp_path: Path) -> None:
    first = _pembina(
        tmp_path, "roster", "import", str(DEMO_ROSTER), "--bot-username", "@pembina_bkpsdm_bot"
    )
    assert first.returncode == 0, first.stderr
    assert "8 baru, 0 diperbarui, 0 tidak berubah" in first.stdout
    rows = _csv(tmp_path / "invites.csv")
    assert len(rows) == 8
    assert rows[4]["name"] == "Budi Santoso"
    assert rows[4]["link"] == f"https://t.me/pembina_bkpsdm_bot?start={rows[4]['code']}"

    again = _pembina(tmp_path, "roster", "import", str(DEMO_ROSTER), "--invites-out", "again.csv")
    assert again.returncode == 0
    assert "0 baru, 0 diperbarui, 8 tidak berubah" in again.stdout
    assert [r["code"] for r in _csv(tmp_path / "again.csv")] == [r["code"] for r in rows]
    assert "link dikosongkan" in again.stdout  # no token, no --bot-username

    bad = tmp_path / "bad.csv"
    bad.write_text("nip,name,role\n199503172020121005,Budi,mentee\n123,X,boss\n", encoding="utf-8")
    rejected = _pembina(tmp_path, "roster", "import", str(bad), PEMBINA_LANGUAGE="en")
    assert rejected.returncode == 1
    assert "Roster rejected, nothing was imported. 2 problem(s):" in rejected.stderr
    assert "line 3: nip 123: must be exactly 18 digits" in rejected.stderr
    assert "line 3: unknown role boss" in rejected.stderr


def test_missing_file_and_bad_setting_are_one_line(tmp_path: Path) -> None:
    missing = _pembina(tmp_path, "roster", "import", "nope.csv")
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("Berkas nope.csv tidak bisa dibaca")
    assert "Traceback" not in missing.stderr
    bad = _pembina(tmp_path, "migrate", PEMBINA_ADMIN_IDS="12,abc")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "Pengaturan PEMBINA_ADMIN_IDS tidak valid: 'abc' bukan ID pengguna Telegram (hanya angka)"
    )
    english = _pembina(tmp_path, "migrate", PEMBINA_ADMIN_IDS="12,abc", PEMBINA_LANGUAGE="en")
    assert (
        english.stderr.strip()
        == "Setting PEMBINA_ADMIN_IDS is invalid: 'abc' is not a Telegram user id (digits only)"
    )


def test_a_wrong_language_setting_is_explained_in_indonesian(tmp_path: Path) -> None:
    """PEMBINA_LANGUAGE itself wrong: the line is in the default language, choices listed."""
    bad = _pembina(tmp_path, "migrate", PEMBINA_LANGUAGE="fr")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "Pengaturan PEMBINA_LANGUAGE tidak valid: gunakan id / en"


def test_run_without_token_explains_botfather_and_playground(tmp_path: Path) -> None:
    result = _pembina(tmp_path, "run", PEMBINA_LANGUAGE="en")
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert "pembina playground" in result.stderr


def test_help_of_every_command(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["run", "--help"],
        ["migrate", "--help"],
        ["roster", "import", "--help"],
        ["export", "ledger", "--help"],
        ["playground", "--help"],
    ):
        result = _pembina(tmp_path, *args)
        assert result.returncode == 0
        assert "cara pakai: pembina" in result.stdout  # PEMBINA_LANGUAGE defaults to id


async def test_roster_import_asks_telegram_for_the_username(tmp_path: Path) -> None:
    async with TelegramDouble(bot_username="bkpsdm_bogor_bot") as double:
        result = await asyncio.wait_for(
            asyncio.to_thread(
                _pembina, tmp_path, "roster", "import", str(DEMO_ROSTER),
                TELEGRAM_BOT_TOKEN=double.token, TELEGRAM_API_BASE_URL=double.base_url,
            ),
            60,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    links = [r["link"] for r in _csv(tmp_path / "invites.csv")]
    assert all(link.startswith("https://t.me/bkpsdm_bogor_bot?start=") for link in links)


def test_playground_script_walks_a_join(tmp_path: Path) -> None:
    script = tmp_path / "walk.txt"
    script.write_text(":as 5\n:open\n/language\n:press 2\n/help\n:quit\n", encoding="utf-8")
    result = _pembina(
        tmp_path, "playground", "--script", str(script), "--db", str(tmp_path / "pg.db")
    )
    assert result.returncode == 0, result.stderr
    assert "Halo, Budi Santoso!" in result.stdout
    assert "All right, I will speak English." in result.stdout
    assert "What you can do as mentee" in result.stdout


def test_playground_opened_again_on_its_database_answers(tmp_path: Path) -> None:
    """A playground kept with ``--db`` and opened again: the bot has stored the first
    session's updates as handled, so the double must number the new ones after them (as
    Telegram does) or the bot takes them for repeats and says nothing."""
    database = str(tmp_path / "kept.db")
    first = tmp_path / "first.txt"
    first.write_text(":as 5\n:open\n/help\n:quit\n", encoding="utf-8")
    assert (
        _pembina(tmp_path, "playground", "--script", str(first), "--db", database).returncode == 0
    )
    again = tmp_path / "again.txt"
    again.write_text(":as 5\n/profil\n:quit\n", encoding="utf-8")
    result = _pembina(tmp_path, "playground", "--script", str(again), "--db", database)
    assert result.returncode == 0, result.stderr
    assert "Budi Santoso" in result.stdout.split("/profil", 1)[1]
    assert "Peran: peserta" in result.stdout


def test_playground_typed_at_the_keyboard_answers_each_line_before_the_next_prompt(
    tmp_path: Path,
) -> None:
    """Lines typed (stdin, no ``--script``, not echoed): each prompt comes only after the
    bot's whole answer to the line before, and end of input says goodbye."""
    result = cli_runner.run(
        ["playground"], cwd=tmp_path, env=_env(tmp_path), stdin=":as 5\n:open\n/help\n"
    )
    assert result.returncode == 0, result.stderr
    welcome, as_budi, opened, helped, bye = re.split(r"(?m)^> ", result.stdout)
    assert "Taman bermain Pembina" in welcome
    assert "Budi Santoso" in as_budi
    assert "Halo, Budi Santoso!" in opened
    assert "Yang bisa Anda lakukan sebagai peserta" in helped
    assert "/refleksi" in helped
    assert "Sampai jumpa" in bye


def test_playground_monday_revision_edit_and_excel_rosters(tmp_path: Path) -> None:
    """The issue's "done when", as a person types it in the playground: an edited message
    changes the answer it gave; on Monday the mentor asks for a revision of last week and
    the mentee completes it (from /refleksi); the coordinator imports a roster saved from
    Excel (';', Windows-1252, Indonesian headers) and an .xlsx roster."""
    script = REPO / "docs" / "playground-monday.txt"
    result = _pembina(tmp_path, "playground", "--script", str(script))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "Jawaban 3 refleksi minggu 30-11-2026 diperbarui",
        "3. Kendala apa yang Anda hadapi?\nData berkas belum lengkap: sekitar 120 berkas per bulan",
        "Rina Kartika meminta perbaikan refleksi minggu 30-11-2026",
        "[1] ✏️ Perbaiki refleksi minggu 30-11-2026",
        "minggu 30-11-2026 · perlu perbaikan",
        "Data belum lengkap: sekitar 120 berkas dari 80 pemohon per bulan",
        "minggu 30-11-2026 (versi 2)",
        "✅ Disetujui.",
        "Roster diimpor: 2 baru, 0 diperbarui, 8 tidak berubah",
        "Roster diimpor: 0 baru, 0 diperbarui, 10 tidak berubah",
    ):
        assert expected in out, expected
    # The edit changed answer 3, not the step open when it arrived (question 5).
    assert "4. Apa langkah Anda berikutnya?\nRapat dengan kepala bidang hari Senin" in out


def test_playground_walkthrough_of_the_mentoring_loop(tmp_path: Path) -> None:
    """The README's walk-through, as a newcomer types it: programme, pairs, reflection,
    revision, approval, progress, in Indonesian then English."""
    script = REPO / "docs" / "playground-walkthrough.txt"
    result = _pembina(
        tmp_path, "playground", "--script", str(script), "--db", str(tmp_path / "w.db")
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "Program Perubahan Kota Bogor 2027 dibuat: 4 mentee, 2 mentor",
        "Budi Santoso → Rina Kartika (mentor menurut roster",
        "Anda menerima Budi Santoso",
        "[photo] 📎 Bukti 1 dari Budi Santoso",
        "(versi 1)",
        "Permintaan perbaikan terkirim ke Budi Santoso",
        "(versi 2)",
        "✅ Disetujui.",
        "Budi Santoso (Perubahan Kota Bogor 2027): refleksi 1/1, beruntun 1, menunggu tinjauan 0, 2 JP",
        "JP tahun ini: 2 dari 20 JP",
        "JP this year: 2 of 20 JP",
    ):
        assert expected in out, expected


def test_playground_week_with_ticks(tmp_path: Path) -> None:
    """A programme week driven by :tick: nudges on Friday, digests on Monday. Without
    ``--db`` the database goes to a scratch folder removed at the end (the temp folder is
    left empty); the chart goes to ``--files``, kept for an image viewer."""
    scratch, files = tmp_path / "tmp", tmp_path / "files"
    scratch.mkdir()
    script = REPO / "docs" / "playground-week.txt"
    result = _pembina(
        tmp_path, "playground", "--script", str(script), "--files", str(files),
        TMPDIR=str(scratch),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "Waktunya refleksi mingguan Mentoring Umum Bogor",
        "Time for the weekly reflection of Mentoring Umum Bogor",  # Dewi reads English
        "reminders are snoozed until Monday 07-12-2026 07:00",
        "2 jam",
        "Ringkasan mingguan · Bidang Mutasi, Bidang Pengembangan SDM (3 peserta)",
        "Refleksi minggu lalu: ✅ sudah",
        "Ringkasan program",
        "[photo] 📈 Tingkat refleksi mingguan Bidang Mutasi, Bidang Pengembangan SDM",
        "telah dihapus",  # the scratch database is gone
    ):
        assert expected in out, expected
    assert list(scratch.iterdir()) == []
    # The chart Agus got is saved where --files said.
    [saved] = [line for line in out.splitlines() if "Gambar disimpan: " in line]
    picture = Path(saved.split("Gambar disimpan: ", 1)[1].strip())
    assert picture.parent == files
    assert picture.read_bytes().startswith(b"\x89PNG")


@pytest.mark.long
def test_playground_month_of_evidence(tmp_path: Path) -> None:
    """Issue 10's "done when", as a coordinator and a mentee type it: the roster uploaded in
    chat, a month run with :tick, then the JP ledger (XLSX), a consultation record (PDF)
    and the programme report downloaded; the mentee takes /dataku and is erased."""
    import io
    import json

    from openpyxl import load_workbook
    from pypdf import PdfReader

    files = tmp_path / "files"
    script = REPO / "docs" / "playground-evidence.txt"
    result = _pembina(tmp_path, "playground", "--script", str(script), "--files", str(files))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "Roster diimpor: 2 baru",  # the roster sent as a document in chat
        "Anda mengonfirmasi tonggak ini untuk Budi Santoso",
        "Buku JP 2026: 6 orang, 8 baris",
        "4 sesi, 4 refleksi, 3 tonggak",
        "Laporan Perubahan Kota Bogor 2027 (seluruh program): 6 mentee",
        "Belum refleksi minggu ini",
        "Catatan audit",
        "Data pribadi Anda di Pembina telah dihapus",
        "Anda belum terdaftar",  # erased: a stranger now
    ):
        assert expected in out, expected
    assert "fontTools" not in out + result.stderr
    saved = {p.suffix: p for p in files.iterdir() if "undangan" not in p.name}

    ledger = load_workbook(next(files.glob("*buku-jp-2026.xlsx")))
    summary = {
        row[0]: row[3] for row in ledger["Ringkasan"].iter_rows(min_row=2, values_only=True)
    }
    assert summary["Budi Santoso"] == 17.33  # 4 reflections (9 h), 4 sessions of 1 h: 780 / 45

    card = PdfReader(io.BytesIO(saved[".pdf"].read_bytes()))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in card.pages)
    for expected in (
        "Kartu Konsultasi Mentoring",
        "Menyusun laporan kemajuan proyek",
        "Rancangan proyek perubahan disetujui",
        "Halaman 1 dari 1",
    ):
        assert expected in text, expected

    report = load_workbook(next(files.glob("*laporan-*.xlsx")))
    assert report.sheetnames[-1] == "Log audit"
    assert len(report["Ringkasan"]._images) == 1  # the digest's chart

    copy = json.loads(saved[".json"].read_text(encoding="utf-8"))
    assert copy["sections"]["person"]["name"] == "Budi Santoso"
    assert len(copy["sections"]["reflections"]) == 4


def test_export_ledger_writes_xlsx_and_csv_for_everyone(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from openpyxl import load_workbook

    from storage import people, sessions
    from storage.db import Database

    assert _pembina(tmp_path, "roster", "import", str(DEMO_ROSTER)).returncode == 0
    created = _pembina(
        tmp_path, "program", "create", "--name", "Latsar 2026", "--kind", "latsar",
        "--start", "2026-01-05", "--end", "2026-06-26", "--reflection-day", "friday",
        "--members", str(DEMO_ROSTER),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    async def confirmed_session() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        now = datetime(2026, 3, 2, 3, tzinfo=UTC)
        async with db.write() as conn:
            budi = await people.get_person_by_nip(conn, "199503172020121005")
            rina = await people.get_person_by_nip(conn, "198209142008012003")
            assert budi is not None
            assert rina is not None
            logged = await sessions.log_session(
                conn, programme_id=1, mentor_id=rina.id, mentee_id=budi.id,
                held_on=date(2026, 3, 2), minutes=90, topic="Rencana", mode="online",
                logged_by_id=rina.id, now=now,
            )  # fmt: skip
            await sessions.confirm(conn, logged.id, now)
        await db.dispose()

    asyncio.run(confirmed_session())
    xlsx = _pembina(tmp_path, "export", "ledger", "--year", "2026", "--out", "jp.xlsx")
    assert xlsx.returncode == 0, xlsx.stderr
    assert "Buku JP 2026 ditulis ke jp.xlsx: 4 orang, 1 baris." in xlsx.stdout
    book = load_workbook(tmp_path / "jp.xlsx")
    assert book.sheetnames == ["Ringkasan", "Latsar 2026"]
    totals = {r[0].value: r[3].value for r in book["Ringkasan"].iter_rows(min_row=2)}
    assert totals["Budi Santoso"] == 2
    assert book["Ringkasan"]["B2"].number_format == "@"

    csv_out = _pembina(
        tmp_path, "export", "ledger", "--year", "2026", "--out", "jp.csv", PEMBINA_LANGUAGE="en"
    )
    assert csv_out.returncode == 0, csv_out.stderr
    rows = list(csv.DictReader((tmp_path / "jp.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["Name"], r["NIP"], r["Minutes"], r["Date"]) for r in rows] == [
        ("Budi Santoso", "199503172020121005", "90", "2026-03-02")
    ]
    bad = _pembina(tmp_path, "export", "ledger", "--out", "jp.pdf")
    assert bad.returncode == 2
    assert "harus berakhiran .xlsx atau .csv" in bad.stderr
