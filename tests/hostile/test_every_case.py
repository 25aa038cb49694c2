"""Each hostile file of the catalogue, dropped with good files of other establishments: it gets its
verdict, the good files are loaded, and nothing it hides is ever shown."""

from __future__ import annotations

import logging

import duckdb
import pytest
from hostile_cases import CASES, Case, by_file, drop, drop_good_files, everything_shown, run

from intake.identity import shown_text
from schemas.messages import PERSONAL_RULES
from tlkpi.settings import Settings


def rules_recorded(settings: Settings) -> set[str]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {rule for (rule,) in con.execute("SELECT DISTINCT rule FROM validation_issue").fetchall()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_file_gets_its_verdict_and_others_are_settled(
    settings: Settings, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    drop(settings, case.relative, case.data())
    good = drop_good_files(settings)
    outcomes = run(settings)
    assert len(outcomes) == 3
    settled = by_file(outcomes)
    assert all(settled[name].verdict == "accepted" and settled[name].loaded == 2 for name in good)
    [hostile] = [outcome for outcome in outcomes if outcome.file not in good]
    assert hostile.verdict == case.verdict
    assert case.rule in rules_recorded(settings)
    assert not any(settings.processing_dir.glob("*/*")), "a claim was left behind"
    assert not any(p.is_file() for p in settings.inbox_dir.rglob("*")), "a file was left in the inbox"
    if case.secret:
        assert case.secret not in everything_shown(settings, outcomes)
        assert case.secret not in caplog.text
    if case.rule in PERSONAL_RULES:
        assert not list(settings.rejected_dir.rglob("*.csv")), "a file with personal data was kept"
    assert "\n" not in hostile.file and hostile.file in (shown_text(case.relative), hostile.file)
