"""The bundled demo data through the real pipeline (without Prefect): what `make demo` relies on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from demo.demo_data import generate_demo
from intake import dropzone
from intake.submissions import load_issues, read_claim, settle_claims, validate_claims
from schemas.catalogue import default_catalogue
from schemas.reading import Limits
from tlkpi.settings import Settings


def test_demo_files_are_accepted_except_the_broken_ones_each_for_its_reason(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    demo = generate_demo(settings.root)
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
    outcomes = settle_claims(claims, summaries, settings, None)

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
