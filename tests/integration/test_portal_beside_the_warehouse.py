"""The portal never opens the warehouse: it serves while an ingest run holds DuckDB's single writer lock,
and an ingest run started while the portal serves is never held back by it."""

from __future__ import annotations

from pathlib import Path

from intake.receipts import read_receipts
from tests.integration.portal_client import A, good_csv, grant, ingest_inbox, log_in, portal_client, upload
from tlkpi.settings import Settings
from warehouse.db import open_warehouse


def test_the_portal_serves_while_a_writer_holds_the_warehouse(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    with open_warehouse(settings.warehouse_path):  # the ingest's writer, holding the file
        assert "Fichier déposé" in upload(client, token, "envoi.csv", good_csv(A), action="deposer").text
        assert "envoi.csv" in client.get("/depots").text
        assert client.get("/rapports").status_code == 200
    [outcome] = ingest_inbox(settings)  # while the portal is still up
    assert outcome.verdict == "accepted"
    assert [r["file"] for r in read_receipts(settings.outbox_dir, A)] == ["envoi.csv"]
    assert "accepté" in client.get("/depots").text
