"""Receipts and the reports a clerk reads: French dates, rule labels, a second header line said once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.feedback import (
    RULE_LABELS,
    collapse_structural,
    french_datetime,
    render_feedback,
    rule_label,
)
from intake.receipts import deliver_private_reports, list_private_reports, read_receipts, write_receipt
from schemas.messages import MESSAGES, Issue, make_issue


@pytest.mark.parametrize(
    ("moment", "french"),
    [
        ("2026-11-25T20:37:38+00:00", "25 novembre 2026 à 21 h 37"),  # winter: UTC+1
        ("2026-07-01T06:05:00+00:00", "1er juillet 2026 à 8 h 05"),  # summer: UTC+2
        ("2026-03-29T00:30:00", "29 mars 2026 à 1 h 30"),  # naive = UTC, before the change
    ],
)
def test_dates_are_written_out_in_paris_time(moment: str, french: str) -> None:
    assert french_datetime(moment) == french


def test_every_rule_has_a_short_french_label() -> None:
    assert set(MESSAGES) <= set(RULE_LABELS)
    assert rule_label("finess_format") == "FINESS mal écrit"
    assert rule_label("regle_future") == "regle_future"


def pasted_files_issues() -> list[Issue]:
    header_cells = [
        ("FINESS", "finess_format"),
        ("Cas d'usage", "cas_usage_inconnu"),
        ("Période", "periode_format"),
    ]
    return [
        make_issue("valeur_hors_plage", row=2, column="Valeur", value="900", detail="x"),
        *[make_issue(rule, row=4, column=value, value=value) for value, rule in header_cells],
        make_issue("finess_format", row=5, column="FINESS", value="12345"),
    ]


def test_a_second_header_line_is_one_issue_not_one_per_cell() -> None:
    collapsed = collapse_structural(pasted_files_issues())
    assert [(i.row, i.rule) for i in collapsed] == [
        (2, "valeur_hors_plage"),
        (4, "entete_repetee"),
        (5, "finess_format"),
    ]
    assert "deux fichiers" in collapsed[1].message


def test_the_rejection_report_reads_like_french_not_like_a_log() -> None:
    html = render_feedback("envoi.csv", "010780195", "2026-11-25T20:37:38+00:00", pasted_files_issues(), 4)
    assert "reçu le 25 novembre 2026 à 21 h 37" in html and "+00:00" not in html
    assert "Ligne d&#39;en-tête répétée" in html and "<code>entete_repetee</code>" in html
    assert "FINESS mal écrit" in html and "<code>finess_format</code>" in html
    assert "tlkpi" not in html and "commande" not in html
    assert "portail" in html and "modèle" in html.lower()
    assert html.count("<tr><td>4</td>") == 1


def receipt_of(outbox: Path, verdict: str, received: str, sha: str, issues: list[Issue]) -> dict:
    write_receipt(
        outbox, file="<b>envoi.csv", finess="010780195", received_at=received, sha256=sha,
        verdict=verdict, rows=3, loaded=3 if verdict == "accepted" else 0,
        superseded=2 if verdict == "accepted" else 0,
        first_issue="identique à la soumission n°4 (accepted)", issues=issues,
    )  # fmt: skip
    return read_receipts(outbox, "010780195")[0]


def test_a_receipt_is_an_html_page_and_its_json_twin(tmp_path: Path) -> None:
    receipt = receipt_of(tmp_path, "accepted", "2026-11-25T20:37:38+00:00", "ab" * 32, [])
    assert receipt["id"].startswith("20261125T203738-" + "ab" * 6 + "-")
    html = (tmp_path / "010780195" / f"{receipt['id']}.html").read_text(encoding="utf-8")
    assert "Fichier accepté" in html and "25 novembre 2026 à 21 h 37" in html
    assert "2 mesures reçues auparavant" in html and "&lt;b&gt;envoi.csv" in html and "<b>envoi" not in html
    twin = json.loads((tmp_path / "010780195" / f"{receipt['id']}.json").read_text(encoding="utf-8"))
    assert (twin["verdict"], twin["loaded"], twin["superseded"], twin["issues"]) == ("accepted", 3, 2, [])
    assert not list(tmp_path.rglob("*.part"))


def test_a_refused_receipt_lists_every_issue_and_a_duplicate_says_which_file(tmp_path: Path) -> None:
    issues = pasted_files_issues()
    refused = receipt_of(tmp_path, "rejected", "2026-11-25T20:00:00+00:00", "cd" * 32, issues)
    html = (tmp_path / "010780195" / f"{refused['id']}.html").read_text(encoding="utf-8")
    assert "Fichier refusé" in html and "Valeur hors plage plausible" in html and "<td>5</td>" in html
    assert len(refused["issues"]) == len(issues)
    duplicate = receipt_of(tmp_path, "duplicate", "2026-11-26T08:00:00+00:00", "cd" * 32, issues)
    html = (tmp_path / "010780195" / f"{duplicate['id']}.html").read_text(encoding="utf-8")
    assert "Fichier déjà reçu" in html and "soumission n°4 (accepté)" in html
    assert [r["verdict"] for r in read_receipts(tmp_path, "010780195")] == ["duplicate", "rejected"]


def test_private_reports_are_delivered_once_per_edition(tmp_path: Path) -> None:
    private = tmp_path / "private" / "2025-T3"
    for finess in ("010780195", "130781560"):
        (private / finess).mkdir(parents=True)
        (private / finess / "index.html").write_text(f"édition 1 de {finess}", encoding="utf-8")
    outbox = tmp_path / "outbox"
    deliver_private_reports(private, outbox, "2025-T3", 1)
    (private / "010780195" / "index.html").write_text("édition 2", encoding="utf-8")
    deliver_private_reports(private, outbox, "2025-T3", 2)
    assert list_private_reports(outbox, "010780195") == [("2025-T3", 2), ("2025-T3", 1)]
    mine = outbox / "010780195" / "rapports" / "2025-T3"
    assert (mine / "edition-1" / "index.html").read_text(encoding="utf-8") == "édition 1 de 010780195"
    assert (mine / "edition-2" / "index.html").read_text(encoding="utf-8") == "édition 2"
    assert "130781560" not in (mine / "edition-2" / "index.html").read_text(encoding="utf-8")


def test_a_retried_run_keeps_the_first_receipt_of_a_file(tmp_path: Path) -> None:
    first = receipt_of(tmp_path, "accepted", "2026-11-25T20:37:38+00:00", "ef" * 32, [])
    again = receipt_of(tmp_path, "duplicate", "2026-11-25T20:37:38+00:00", "ef" * 32, [])
    assert again["id"] == first["id"] and again["verdict"] == "accepted"
