"""The bundled demo data through the real pipeline (without Prefect): what `make demo` relies on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from demo.demo_data import generate_demo, write_late_files
from intake import dropzone
from intake.dropzone import Claim
from intake.submissions import Outcome, load_issues, read_claim, settle_claims, validate_claims
from schemas.catalogue import default_catalogue
from schemas.reading import Limits
from tasks.load import sync_reference
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.disclosure import Rules
from warehouse.editions import freeze_edition
from warehouse.queries import completeness_counts


def ingest_inbox(settings: Settings) -> tuple[list[Claim], dict[str, set[str]], list[Outcome]]:
    """Claim, read, validate and settle every file of the inbox, as the ingest flow does."""
    claims = [
        claim
        for path in dropzone.discover(settings.inbox_dir)
        if (claim := dropzone.claim(path, settings.inbox_dir, settings.processing_dir))
    ]
    readable = [read_claim(claim, Limits()) for claim in claims]
    summaries = validate_claims(claims, readable, default_catalogue(), date(2026, 11, 22))
    rules = {
        f"inbox/{claim.relative}": {
            i.rule for i in load_issues(Path(claim.work_dir)) if i.severity == "error"
        }
        for claim in claims
    }
    return claims, rules, settle_claims(claims, summaries, settings, None)


def test_demo_files_are_accepted_except_the_broken_ones_each_for_its_reason(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    demo = generate_demo(settings.root)
    claims, rules, outcomes = ingest_inbox(settings)

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
    tmp_path: Path,
) -> None:
    settings = Settings(data_root=tmp_path / "var")
    demo = generate_demo(settings.root)
    ingest_inbox(settings)
    sync_reference.fn(settings)  # the register and the programme's calendar
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
    _, _, outcomes = ingest_inbox(settings)
    assert {o.verdict for o in outcomes} == {"accepted"} and len(outcomes) == len(late.files)
    with open_warehouse(settings.warehouse_path) as con:
        again = {quarter: freeze_edition(con, quarter, rules) for quarter in demo.quarters}
    assert {q: (f.edition.number, f.created) for q, f in again.items()} == {
        q: (2, True) if q in late.quarters else (1, False) for q in demo.quarters
    }
