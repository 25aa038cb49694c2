"""The bundled demo data through the real pipeline (without Prefect): what `make demo` relies on."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from demo.demo_data import DemoSummary, generate_demo, write_late_files
from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from intake.claim_issues import ValidationSummary
from intake.dropzone import Claim
from intake.run import ingest_inbox, local_steps, validate_files
from intake.submissions import Outcome
from schemas.messages import Issue
from schemas.reading import SubmittedTable
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.queries import completeness_counts


@dataclass(frozen=True)
class IngestedDemo:
    """The demo generated and ingested once, with what the validator said of each file."""

    settings: Settings
    demo: DemoSummary
    outcomes: list[Outcome]
    claims: list[Claim]
    rules: dict[str, set[str]]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> IngestedDemo:
    """One ingest of the demo for the module (it costs tens of seconds); a test that writes copies it."""
    settings = Settings(data_root=tmp_path_factory.mktemp("demo") / "var")
    demo = generate_demo(settings.root)
    claims: list[Claim] = []
    rules: dict[str, set[str]] = {}

    def validate_and_note_rules(
        taken: list[Claim], tables: list[SubmittedTable | Issue], today: date, settings: Settings
    ) -> list[ValidationSummary]:
        summaries = validate_files(taken, tables, today, settings)
        claims.extend(taken)
        rules.update(
            {
                f"inbox/{claim.relative}": {i.rule for i in summary.issues if i.severity == "error"}
                for claim, summary in zip(taken, summaries, strict=True)
            }
        )
        return summaries

    steps = local_steps()._replace(validate=validate_and_note_rules)
    outcomes = ingest_inbox(settings, date(2026, 11, 22), steps=steps)  # its first step loads the register
    return IngestedDemo(settings, demo, outcomes, claims, rules)


def test_demo_files_are_accepted_except_the_broken_ones_each_for_its_reason(ingested: IngestedDemo) -> None:
    settings, demo, outcomes, claims, rules = (
        ingested.settings, ingested.demo, ingested.outcomes, ingested.claims, ingested.rules
    )  # fmt: skip

    assert len(claims) == demo.files_written
    rejected = {f"inbox/{o.file}" for o in outcomes if o.verdict == "rejected"}
    assert rejected == set(demo.broken_files)
    for path, rule in demo.broken_files.items():
        assert rule in rules[path], f"{path} should be rejected for {rule}, got {rules[path]}"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        quarters = con.execute(
            "SELECT DISTINCT quarter FROM measurement WHERE phase = 'pilote' ORDER BY 1"
        ).fetchall()
    assert quarters[-1] == (demo.latest_quarter,)


def test_the_demo_publishes_five_quarters_in_order_then_second_editions_of_the_late_ones(
    ingested: IngestedDemo, tmp_path: Path
) -> None:
    settings = Settings(data_root=tmp_path / "var")
    shutil.copytree(ingested.settings.root, settings.root)  # the demo as ingested; this test writes
    demo = ingested.demo
    rules = Rules.of(settings)
    with open_warehouse(settings.warehouse_path) as con:
        first = [freeze_edition(con, quarter, rules) for quarter in demo.quarters]
        expected = [completeness_counts(con, quarter)["total"] for quarter in demo.quarters]
        assert completeness_counts(con, "2026-T3")["total"] == 0  # the programme ended with 2025-T4
    assert [(f.edition.quarter, f.edition.number, f.created) for f in first] == [
        (q, 1, True) for q in demo.quarters
    ]
    assert len(set(expected)) > 1 and all(n < demo.experimentations for n in expected[:1] + expected[-1:])

    late = write_late_files(settings.root)
    outcomes = ingest_inbox(settings, date(2026, 11, 22))
    assert {o.verdict for o in outcomes} == {"accepted"} and len(outcomes) == len(late.files)
    with open_warehouse(settings.warehouse_path) as con:
        again = {quarter: freeze_edition(con, quarter, rules) for quarter in demo.quarters}
    assert {q: (f.edition.number, f.created) for q, f in again.items()} == {
        q: (2, True) if q in late.quarters else (1, False) for q in demo.quarters
    }
