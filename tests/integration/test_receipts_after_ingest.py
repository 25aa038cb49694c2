"""After an ingest run, a clerk who drops files by folder finds a receipt for each beside the inbox."""

from __future__ import annotations

from pathlib import Path

from intake.receipts import read_receipts
from tests.integration.portal_client import A, bad_csv, drop_file, good_csv, ingest_inbox
from tlkpi.settings import Settings


def test_every_dropped_file_gets_a_receipt_in_its_outbox(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    drop_file(settings, A, "bon.csv", good_csv(A))
    drop_file(settings, A, "mauvais.csv", bad_csv(A))
    ingest_inbox(settings)
    drop_file(settings, A, "bon_encore.csv", good_csv(A))  # the same bytes again
    corrected = good_csv(A).replace(b"pilote;40", b"pilote;38")
    drop_file(settings, A, "correction.csv", corrected)
    ingest_inbox(settings)

    receipts = {r["file"]: r for r in read_receipts(settings.outbox_dir, A)}
    assert {name: r["verdict"] for name, r in receipts.items()} == {
        "bon.csv": "accepted",
        "mauvais.csv": "rejected",
        "bon_encore.csv": "duplicate",
        "correction.csv": "accepted",
    }
    assert (receipts["bon.csv"]["loaded"], receipts["bon.csv"]["superseded"]) == (3, 0)
    assert (receipts["correction.csv"]["loaded"], receipts["correction.csv"]["superseded"]) == (3, 3)
    assert {i["rule"] for i in receipts["mauvais.csv"]["issues"]} >= {"nombre_invalide", "cas_usage_inconnu"}
    folder = settings.outbox_dir / A
    for receipt in receipts.values():
        assert (folder / f"{receipt['id']}.html").is_file() and (folder / f"{receipt['id']}.json").is_file()
    refused = (folder / f"{receipts['mauvais.csv']['id']}.html").read_text(encoding="utf-8")
    assert "Fichier refusé" in refused and "Nombre illisible" in refused and "douze" in refused
    duplicate = (folder / f"{receipts['bon_encore.csv']['id']}.html").read_text(encoding="utf-8")
    assert "Fichier déjà reçu" in duplicate and "(accepté)" in duplicate
    assert list(settings.inbox_dir.rglob("*.csv")) == []
