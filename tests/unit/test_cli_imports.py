"""A command pays only for what it runs: the simple commands, an ingest with nothing waiting and a
wrong --data-root start neither Prefect, Great Expectations nor a solver (scipy, highspy) (checked in
a fresh interpreter, by what is in `sys.modules`, not by timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
HEAVY = ("prefect", "great_expectations", "scipy", "highspy")
RUN_COMMAND = f"""
import json, sys
from flows.cli import main
sys.argv = ["tlkpi", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted(name for name in {HEAVY!r} if name in sys.modules)
print("\\n" + json.dumps({{"code": code, "heavy": heavy}}))
"""


def run_command(arguments: list[str], cwd: Path) -> tuple[int, list[str], str]:
    """Run `tlkpi ARGUMENTS` in a fresh interpreter: exit code, heavy modules imported, output."""
    result = subprocess.run(
        [sys.executable, "-c", RUN_COMMAND, json.dumps(arguments)],
        cwd=cwd,
        env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin", "TLKPI_DATA_ROOT": str(cwd / "var")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = json.loads(result.stdout.strip().splitlines()[-1])
    return last["code"], last["heavy"], result.stdout + result.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["status", "--help"],
        ["template", "--format", "csv", "--output", "modele.csv"],
        ["template", "--output", "modele.xlsx"],
        ["schema", "--output", "schema.json"],
        ["access", "list"],
        ["status"],
    ],
    ids=lambda arguments: " ".join(arguments[:2]),
)
def test_simple_commands_start_neither_prefect_nor_great_expectations(
    arguments: list[str], tmp_path: Path
) -> None:
    code, heavy, output = run_command(arguments, tmp_path)
    assert code == 0, output
    assert heavy == [], output


def test_an_ingest_with_nothing_waiting_starts_no_flow(tmp_path: Path) -> None:
    (tmp_path / "var" / "inbox" / "010780195").mkdir(parents=True)
    (tmp_path / "var" / "inbox" / "010780195" / ".hidden.csv").write_text("x\n", encoding="utf-8")
    code, heavy, output = run_command(["ingest"], tmp_path)
    assert code == 0, output
    assert "Ingest: 0 file(s): 0 accepted, 0 rejected, 0 duplicate(s); 0 measurement(s) loaded." in output
    assert heavy == [], output


@pytest.mark.parametrize(
    "command",
    [
        ["ingest"],
        ["status"],
        ["quarter", "2025-T3"],
        ["serve"],
        ["portal"],
        ["access", "grant", "010780195", "--email", "referente@chu.example.fr"],
        ["access", "revoke", "referente@chu.example.fr"],
        ["access", "list"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_a_data_root_that_is_not_one_is_refused_and_left_alone(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "x"
    code, heavy, output = run_command([*command, "--data-root", str(missing)], tmp_path)
    assert code == 2, output
    assert f"the data root {missing} does not exist" in output and "--create" in output
    assert not (tmp_path / "nonexistent").exists()
    assert heavy == []

    elsewhere = tmp_path / "documents"
    (elsewhere / "notes").mkdir(parents=True)
    code, _, output = run_command([*command, "--data-root", str(elsewhere)], tmp_path)
    assert code == 2 and "is not a data root" in output, output
    assert sorted(path.name for path in elsewhere.iterdir()) == ["notes"]


def test_create_makes_a_new_data_root(tmp_path: Path) -> None:
    new_root = tmp_path / "new" / "root"
    code, heavy, output = run_command(["ingest", "--data-root", str(new_root), "--create"], tmp_path)
    assert code == 0, output
    assert new_root.is_dir() and "Ingest: 0 file(s)" in output
    assert heavy == []


def test_create_lets_an_operator_grant_access_before_the_first_file(tmp_path: Path) -> None:
    new_root = tmp_path / "new" / "root"
    grant = ["access", "grant", "010780195", "--email", "referente@chu.example.fr"]
    code, _, output = run_command([*grant, "--data-root", str(new_root), "--create"], tmp_path)
    assert code == 0, output
    assert "Activation code for referente@chu.example.fr (010780195)" in output
    code, _, output = run_command(["access", "list", "--data-root", str(new_root)], tmp_path)
    assert code == 0 and "010780195  referente@chu.example.fr" in output, output
