"""A small warehouse for the report tests: 4 establishments, 3 use cases, one frozen edition."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.writer import render_quarter_site
from schemas.catalogue import default_catalogue
from schemas.periods import parse_period
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import register_establishments, sync_catalogue

QUARTER = "2025-T4"
# The report tests check how published figures look: positions are published here from 4
# experimentations (settings min_position, min_extreme_position, min_share) so the 4-establishment cell shows its
# medians and quartiles; disclosure itself is tested with the default rules elsewhere.
REPORT_RULES = Rules(
    min_establishments=3, min_patients=11, min_position=4, min_extreme_position=4, min_share=4
)
A, B, C, D = "750000001", "690000002", "130000003", "330000004"

# (finess, kpi, reference (value, num, den, n), pilot (value, num, den, n)) for UC01.
UC01_ROWS = [
    (A, "EFF_DELAI_PEC", (80, None, None, 20), (50, None, None, 20)),
    (B, "EFF_DELAI_PEC", (90, None, None, 20), (60, None, None, 20)),
    (C, "EFF_DELAI_PEC", (100, None, None, 20), (95, None, None, 20)),
    (D, "EFF_DELAI_PEC", (70, None, None, 20), (75, None, None, 20)),
    (A, "QUA_READMISSION_30J", (12, 12, 100, None), (8, 8, 100, None)),
    (B, "QUA_READMISSION_30J", (15, 15, 100, None), (12, 12, 100, None)),
    (C, "QUA_READMISSION_30J", (10, 10, 100, None), (11, 11, 100, None)),
    (D, "QUA_READMISSION_30J", (10, 20, 200, None), (8, 16, 200, None)),
]


def insert_submission(con, finess: str, status: str, received_at: datetime) -> int:
    (row,) = con.execute(
        """
        INSERT INTO submission (sha256, original_name, inbox_path, inbox_finess, received_at,
                                status, n_rows, n_issues, stored_path)
        VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)
        RETURNING id
        """,
        [f"sha-{finess}-{status}-{received_at}", "kpi.csv", "inbox/kpi.csv", finess, received_at, status, ""],
    ).fetchall()
    return row[0]


def insert_measurement(con, submission_id, finess, use_case, kpi, period, phase, measure, superseded=False):
    value, numerator, denominator, n_patients = measure
    domain = default_catalogue().kpis[kpi].domain
    quarter = parse_period(period).quarter_label
    con.execute(
        """
        INSERT INTO measurement (submission_id, source_row, finess, use_case, domain, kpi, period,
                                 quarter, phase, value, numerator, denominator, n_patients, superseded)
        VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            submission_id,
            finess,
            use_case,
            domain,
            kpi,
            period,
            quarter,
            phase,
            value,
            numerator,
            denominator,
            n_patients,
            superseded,
        ],
    )


def build_report_warehouse(tmp_path: Path, rules: Rules = REPORT_RULES, category: str | None = None) -> Path:
    """4 establishments on UC01 (2 KPIs), 2 on UC02, 3 with 9 patients in all on UC03; edition 1 frozen.
    With a `category`, the four are registered in it: one peer group, published beside the nation."""
    path = tmp_path / "warehouse" / "tlkpi.duckdb"
    with open_warehouse(path) as con:
        sync_catalogue(con, default_catalogue())
        if category is not None:
            register_establishments(
                con, [(f, f"Établissement {f}", category, "Bretagne", False) for f in (A, B, C, D)]
            )
        old = insert_submission(con, A, "accepted", datetime(2025, 11, 2, 8, 0))
        insert_measurement(
            con, old, A, "UC01", "EFF_DELAI_PEC", "2025-T4", "pilote", (500, None, None, 20), True
        )
        submissions = {
            finess: insert_submission(con, finess, "accepted", datetime(2026, 1, day, 9, 30))
            for day, finess in enumerate([A, B, C, D], start=5)
        }
        insert_submission(con, B, "rejected", datetime(2026, 1, 20, 17, 0))
        for finess, kpi, reference, pilot in UC01_ROWS:
            insert_measurement(
                con, submissions[finess], finess, "UC01", kpi, "2025-T2", "reference", reference
            )
            insert_measurement(con, submissions[finess], finess, "UC01", kpi, "2025-T4", "pilote", pilot)
        for finess in (A, B):
            sub = submissions[finess]
            insert_measurement(
                con, sub, finess, "UC02", "EFF_PATIENTS_JOUR", "2025-T2", "reference", (40, None, None, 30)
            )
            insert_measurement(
                con, sub, finess, "UC02", "EFF_PATIENTS_JOUR", "2025-11", "pilote", (30, None, None, 30)
            )
        for finess in (A, B, C):
            sub = submissions[finess]
            insert_measurement(con, sub, finess, "UC03", "QUA_DMS", "2025-T4", "pilote", (5, None, None, 3))
        con.execute(
            "UPDATE use_case SET label = ? WHERE code = ?",
            ["<script>alert('x')</script> Chirurgie & réalité augmentée", "UC01"],
        )
        freeze_edition(con, QUARTER, rules)
    return path


def render(warehouse: Path, site_root: Path) -> Path:
    return render_quarter_site(
        warehouse,
        QUARTER,
        site_root,
        Settings(data_root=site_root.parent, min_establishments=3, min_patients=11),
    )


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()
    }
