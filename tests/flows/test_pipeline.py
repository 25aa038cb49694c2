"""The ingest and quarter flows end to end through a real local Prefect API."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import xlsxwriter

from flows.ingest import ingest
from flows.quarter import quarter

HEADER = "finess;cas_usage;indicateur;periode;phase;valeur;numerateur;denominateur;effectif\n"
SITES = ("010780195", "010780906", "980600027", "2A0000014")


def write_csv(root: Path, finess: str, name: str, rows: list[str]) -> None:
    folder = root / "inbox" / finess
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def write_xlsx(root: Path, finess: str, name: str, rows: list[list[object]]) -> None:
    folder = root / "inbox" / finess
    folder.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(folder / name))
    sheet = workbook.add_worksheet("indicateurs")
    for r, row in enumerate(
        [["FINESS", "Cas d'usage", "Indicateur", "Période", "Phase", "Valeur", "Effectif"], *rows]
    ):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value) if isinstance(value, str) else sheet.write_number(r, c, value)
    workbook.close()


def drop_small_quarter(root: Path) -> None:
    """Four establishments on UC01, one as Excel, and one broken file."""
    for number, finess in enumerate(SITES[:3]):
        write_csv(
            root,
            finess,
            "kpi.csv",
            [
                f"{finess};UC01;EFF_DELAI_PEC;2024-T4;reference;{60 + number};;;40",
                f"{finess};UC01;EFF_DELAI_PEC;2025-T3;pilote;{45 + number};;;40",
                f"{finess};UC01;QUA_READMISSION_30J;2025-09;pilote;;{4 + number};50;",
            ],
        )
    write_xlsx(
        root,
        SITES[3],
        "tableau.xlsx",
        [
            [SITES[3], "UC01", "EFF_DELAI_PEC", "2024-T4", "référence", 70, 40],
            [SITES[3], "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 50.5, 40],
        ],
    )
    write_csv(root, SITES[0], "export_v2.csv", [f"{SITES[0]};UC01;EFF_DELAI_PEC;2025-T3;pilote;-5;;;40"])


def test_ingest_then_quarter_publishes_the_site(tmp_path: Path) -> None:
    root = tmp_path / "var"
    drop_small_quarter(root)

    state = ingest(str(root), return_state=True)
    assert state.is_completed(), "rejected files must not fail the run"
    outcomes = state.result()
    verdicts = {o.file: o.verdict for o in outcomes}
    assert verdicts.pop(f"{SITES[0]}/export_v2.csv") == "rejected"
    assert set(verdicts.values()) == {"accepted"} and len(verdicts) == 4

    rejected = next((root / "rejected" / SITES[0]).glob("*_export_v2.csv.rapport.html"))
    assert "valeur_hors_plage" in rejected.read_text(encoding="utf-8")
    with duckdb.connect(str(root / "warehouse" / "tlkpi.duckdb"), read_only=True) as con:
        count = con.execute("SELECT count(*), count(DISTINCT finess) FROM measurement").fetchone()
        runs = con.execute("SELECT count(DISTINCT flow_run_id) FROM submission").fetchone()
    assert count == (11, 4)
    assert runs == (1,)
    assert list((root / "inbox").rglob("*.*")) == []

    publication = quarter("2025-T3", str(root))
    index = Path(publication.index_path)
    assert index == root / "site" / "2025-T3" / "index.html"
    assert (index.parent / "cas-usage" / "UC01.html").exists()
    assert publication.summary.establishments == 4
    assert (publication.summary.edition, publication.summary.created) == (1, True)
    assert (index.parent / "data" / "benchmark.csv").exists() and (index.parent / "data" / "roi.csv").exists()
    audit = json.loads((root / "audit" / "2025-T3" / "edition-1.json").read_text(encoding="utf-8"))
    assert (
        audit["passed"] and audit["failures"] == [] and publication.summary.audit_path.startswith(str(root))
    )
    assert not any("audit" in p.name for p in (root / "site").rglob("*"))  # operators only, never public
    published = {p: p.read_bytes() for p in sorted(index.parent.rglob("*")) if p.is_file()}
    # each establishment finds its receipts and its private report beside its inbox
    assert len(list((root / "outbox" / SITES[0]).glob("*.json"))) == 2  # accepted + rejected
    for site in SITES:
        assert (root / "outbox" / site / "rapports" / "2025-T3" / "edition-1" / "index.html").is_file()

    again = ingest(str(root))
    assert again == []
    rerun = quarter("2025-T3", str(root))
    assert (rerun.summary.edition, rerun.summary.created) == (1, False)
    assert {p: p.read_bytes() for p in sorted(index.parent.rglob("*")) if p.is_file()} == published
