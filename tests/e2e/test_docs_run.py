"""Docs that run: every bash, Python and SQL block of README.md and docs/analysts.md is executed, as an
analyst would paste it, from a project folder whose `var/` holds the demo (`tlkpi demo`).

A block is left out only when the line before its fence says `<!-- docs-test: skip (reason) -->`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "docs/analysts.md")
FENCE = re.compile(r"^```(bash|python|sql)\n(.*?)^```", re.DOTALL | re.MULTILINE)
SKIP = re.compile(r"<!-- docs-test: skip \((.+)\) -->\s*$")


def code_blocks() -> list[tuple[str, int, str, str, str | None]]:
    """(document, line, language, code, reason to skip or None) for every fenced block."""
    blocks = []
    for document in DOCS:
        text = (PROJECT / document).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            skip = SKIP.search(before)
            line = text.count("\n", 0, match.start()) + 1
            blocks.append((document, line, match[1], match[2], skip[1] if skip else None))
    return blocks


BLOCKS = code_blocks()


def shell_env() -> dict[str, str]:
    """An analyst's shell in the project folder: no Prefect server configured, data in ./var."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TLKPI_"))}
    return env | {"DO_NOT_TRACK": "1", "TLKPI_RENDER_WORKERS": "1"}


def run(
    command: list[str], cwd: Path, stdin: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=shell_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
    finally:  # nothing of it stays behind (a temporary Prefect API)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project folder as after `make demo`: the environment, and var/ with the demo in it."""
    here = tmp_path_factory.mktemp("project")
    (here / ".venv").symlink_to(PROJECT / ".venv")
    # `tlkpi demo` takes minutes on an idle machine and over ten at load 12: a limit, not a speed test
    demo = run([str(here / ".venv" / "bin" / "tlkpi"), "demo"], here, timeout=3600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    yield here


def test_the_documents_have_blocks_to_run() -> None:
    languages = {language for _, _, language, _, skip in BLOCKS if skip is None}
    assert languages == {"bash", "python", "sql"}


@pytest.mark.parametrize(
    ("document", "line", "language", "code", "skip"), BLOCKS, ids=[f"{b[0]}:{b[1]}" for b in BLOCKS]
)
def test_every_block_runs(
    folder: Path, document: str, line: int, language: str, code: str, skip: str | None
) -> None:
    if skip is not None:
        pytest.skip(f"{document}:{line}: {skip}")
    if language == "bash":
        done = run(["bash", "-euo", "pipefail", "-c", code], folder)
    elif language == "python":
        done = run([str(folder / ".venv" / "bin" / "python"), "-c", code], folder)
    else:
        database = "var/warehouse/tlkpi.duckdb"
        done = run(
            [str(folder / ".venv" / "bin" / "duckdb"), "-readonly", "-bail", database], folder, stdin=code
        )
    assert done.returncode == 0, (
        f"{document}:{line}\n{code}\n--- stdout\n{done.stdout[-2000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr[-3000:]


def test_no_peer_group_gives_a_national_baseline_the_series_rule_withholds(folder: Path) -> None:
    """The national baseline of a cell a few establishments joined or left is withheld (differenced
    against its last publication it would give their own baselines); a peer group with exactly the
    national members must not publish it instead (found on the demo: CHU rows of UC14 and others)."""
    import csv

    given = []
    for path in sorted((folder / "var" / "site").glob("*/data/benchmark.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=";"))
        national = {(r["use_case"], r["kpi"]): r for r in rows if r["peer_group"] == "national"}
        for row in rows:
            twin = national.get((row["use_case"], row["kpi"]))
            if row["peer_group"] == "national" or twin is None or twin["baseline_mean"]:
                continue
            held = twin["linear_withheld_reason"].startswith("référence non republiée")
            if held and row["baseline_mean"] and row["n_establishments"] == twin["n_establishments"]:
                given.append((path.parts[-3], row["use_case"], row["kpi"], row["peer_group"]))
    assert given == []


def test_after_the_demo_each_quarter_answers_nothing_new_without_starting_prefect(folder: Path) -> None:
    """README: "Running a quarter with nothing new prints `nothing new since edition N …` in about a
    second". Every quarter of the demo has cells the joint audit withheld to protect another one, and
    two have a second edition: the answer must still come from the read-only check, without the flow
    and the temporary Prefect API it starts (10-20 s). Found on the demo: every quarter started it."""
    tlkpi = str(folder / ".venv" / "bin" / "tlkpi")
    for quarter in ("2024-T4", "2025-T1", "2025-T2", "2025-T3", "2025-T4"):
        done = run([tlkpi, "quarter", quarter], folder)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"Quarter {quarter}: nothing new since edition" in done.stdout, done.stdout
        assert "temporary server" not in done.stderr and "Flow run" not in done.stderr, done.stderr[-3000:]
