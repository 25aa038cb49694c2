"""The bundled demo data through the real pipeline (without Prefect): what `make demo` relies on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from demo.demo_data import generate_demo
from intake.dropzone import Claim
from intake.run import ingest_inbox, local_steps, validate_files
from intake.submissions import ValidationSummary, load_issues
from tlkpi.settings import Settings


def test_demo_files_are_accepted_except_the_broken_ones_each_for_its_reason(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    demo = generate_demo(settings.root)
    claims: list[Claim] = []
    rules: dict[str, set[str]] = {}

    def validate_and_note_rules(
        taken: list[Claim], readable: list[bool], today: date, settings: Settings
    ) -> list[ValidationSummary]:
        summaries = validate_files(taken, readable, today, settings)
        claims.extend(taken)
        rules.update(
            {
                f"inbox/{claim.relative}": {
                    i.rule for i in load_issues(Path(claim.work_dir)) if i.severity == "error"
                }
                for claim in taken
            }
        )
        return summaries

    steps = local_steps()._replace(validate=validate_and_note_rules)
    outcomes = ingest_inbox(settings, date(2026, 11, 22), steps=steps)

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
