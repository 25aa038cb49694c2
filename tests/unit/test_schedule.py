"""The suite's schedule between pytest-xdist workers names real files and keeps files whole unless spread."""

from __future__ import annotations

from pathlib import Path

from tests.support.schedule import SLOWEST_FIRST, SPREAD, FilesSlowestFirst

PROJECT = Path(__file__).resolve().parents[2]


def test_every_file_the_schedule_names_exists() -> None:
    named = [*SPREAD, *SLOWEST_FIRST]
    assert [path for path in named if not (PROJECT / path).is_file()] == []
    assert len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)


def test_a_file_is_one_unit_unless_its_tests_are_spread() -> None:
    split = FilesSlowestFirst._split_scope
    whole, spread = "tests/e2e/test_docs_run.py", "tests/integration/test_faults.py"
    assert spread in SPREAD and whole not in SPREAD
    assert split(None, f"{whole}::test_every_block_runs[README.md:18]") == whole  # type: ignore[arg-type]
    assert split(None, f"{spread}::test_two[a@b]") == f"{spread}::test_two[a@b]"  # type: ignore[arg-type]
