"""`tlkpi check FILE`: what an establishment runs before sending, with its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app

HEADER = "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Numérateur;Dénominateur;Effectif\n"


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "indicateurs.csv"
    path.write_bytes((HEADER + "".join(r + "\r\n" for r in rows)).encode("cp1252"))
    return path


def test_an_acceptable_file_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, ["010780195;UC05;EFF_DELAI_PEC;2025-T3;pilote;42,5;;;120"])
    result = CliRunner().invoke(app, ["check", str(path), "--finess", "010780195"])
    assert result.exit_code == 0, result.output
    assert "acceptable" in result.output


def test_a_bad_file_exits_1_and_names_row_column_and_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            "010780195;UC05;EFF_DELAI_PEC;2025-T3;pilote;42,5;;;120",
            "010780195;UC05;QUA_READMISSION_30J;2025-T3;pilote;12;5;4;",
        ],
    )
    result = CliRunner().invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["accepted"] is False
    found = {(i["row"], i["column"], i["rule"]) for i in report["issues"]}
    assert (3, "Numérateur", "numerateur_superieur_denominateur") in found
    assert (3, "Valeur", "taux_incoherent") in found


def test_a_file_of_another_establishment_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, ["010780906;UC05;EFF_DELAI_PEC;2025-T3;pilote;42;;;120"])
    result = CliRunner().invoke(app, ["check", str(path), "--finess", "010780195"])
    assert result.exit_code == 1
    assert "finess_hors_dossier" in result.output and "ligne 2" in result.output


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(tmp_path / "absent.csv")])
    assert result.exit_code == 2
