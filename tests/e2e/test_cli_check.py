"""`tlkpi check FILE`: what an establishment runs before sending, with its exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app

TLKPI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tlkpi"

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


def test_the_command_ends_at_once_with_every_issue_written(tmp_path: Path) -> None:
    """The real `tlkpi` process skips the interpreter's teardown after `check`: nothing of its answer
    may be lost on the way, even a report far larger than a pipe's buffer."""
    rows = [f"010780195;UC05;QUA_READMISSION_30J;2025-{month:02d};pilote;12;5;4;" for month in range(1, 10)]
    rows += [f"010780195;UC{n % 17 + 1:02d};KPI_INCONNU_{n};2025-T3;pilote;1;;;" for n in range(1000)]
    path = write(tmp_path, rows)
    done = subprocess.run(
        [str(TLKPI), "check", str(path), "--json"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert len(done.stdout) > 128 * 1024  # more than a pipe holds
    report = json.loads(done.stdout)
    assert report["accepted"] is False
    assert {issue["row"] for issue in report["issues"]} >= set(range(2, len(rows) + 2))

    path = write(tmp_path, ["010780195;UC05;EFF_DELAI_PEC;2025-T3;pilote;42,5;;;120"])
    done = subprocess.run(
        [str(TLKPI), "check", str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.endswith("indicateurs.csv : acceptable (0 erreur(s)).\n")
