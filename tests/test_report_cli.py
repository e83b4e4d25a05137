"""``pembina export report``: a real process writes a coordinator's programme report."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import DEMO_ROSTER
from tests.test_cli import _pembina


def test_export_report_writes_the_whole_programme_with_nip(tmp_path: Path) -> None:
    assert _pembina(tmp_path, "roster", "import", str(DEMO_ROSTER)).returncode == 0
    created = _pembina(
        tmp_path, "program", "create", "--name", "Latsar 2026", "--kind", "latsar",
        "--start", "2026-01-05", "--end", "2026-06-26", "--reflection-day", "friday",
        "--members", str(DEMO_ROSTER),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    written = _pembina(
        tmp_path, "export", "report", "--programme", "Latsar 2026", "--out", "laporan.xlsx"
    )
    assert written.returncode == 0, written.stderr
    # 4 mentees, 25 weeks (5 January to 26 June), none reflected
    assert "Laporan Latsar 2026 ditulis ke laporan.xlsx: 4 mentee, 100" in written.stdout
    book = load_workbook(tmp_path / "laporan.xlsx")
    people = book["Peserta"]
    assert [c.value for c in people[1]][:2] == ["Nama", "NIP"]
    nips = {r[0].value: r[1] for r in people.iter_rows(min_row=2)}
    assert nips["Budi Santoso"].value == "199503172020121005"
    assert nips["Budi Santoso"].data_type == "s"
    assert len(list(book["Perlu perhatian"].iter_rows(min_row=2))) == 4  # all missed

    unknown = _pembina(
        tmp_path, "export", "report", "--programme", "Latsar", "--out", "x.xlsx",
        PEMBINA_LANGUAGE="en",
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "There is no programme named Latsar. Programmes: Latsar 2026" in unknown.stderr
    assert not (tmp_path / "x.xlsx").exists()

    bad = _pembina(tmp_path, "export", "report", "--programme", "Latsar 2026", "--out", "r.csv")
    assert bad.returncode == 2
    assert "harus berakhiran .xlsx" in bad.stderr

    helped = _pembina(tmp_path, "export", "report", "--help")
    assert helped.returncode == 0
    assert "--programme" in helped.stdout
