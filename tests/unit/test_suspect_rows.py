"""GE runs only on the rows a polars pre-check flags: its failures must be exactly those of the suite run
over every row (the polars expressions flag a superset, GE decides)."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalogue import Catalogue, default_catalogue
from schemas.expectations import SUITE_COLUMNS, contract_checks, suite_failures, suspect_rows

CATALOGUE = default_catalogue()
PAIR = "UC01|EFF_DELAI_PEC"

# cells each engine could read differently: Python's `$` before a final newline, Unicode digits,
# NaN (missing to pandas, above every number to polars), codes out of the catalogue, long comments
TEXT = {
    "finess": ["010780195", "2A0000014", "010780195\n", "01078019", "ABCDEFGHI", "٠١٠٧٨٠١٩٥", None],
    "cas_usage": ["UC01", "UC03", "UC99", "uc01", None],
    "indicateur": ["EFF_DELAI_PEC", "QUA_READMISSION_30J", "NOPE", None],
    "periode": ["2025-T3", "2025-07", "2025-07\n", "２０２５-07", "2025-13", "2025-q3", None],
    "phase": ["pilote", "reference", "pendant", None],
    "phase_norm": ["pilote", "reference", None],
    "periode_norm": ["2025-07", "2025-08"],
    "pair": [PAIR, "UC03|QUA_READMISSION_30J", "UC01|NOPE", None],
    "commentaire": [None, "ok", "é" * 500, "x" * 501, "é" * 501],
}
NUMBER = st.sampled_from([None, math.nan, -1.0, 0.0, 0.5, 5.0, 40.0, 100.0, 1e9])
ROW = st.fixed_dictionaries(
    {
        "_file": st.sampled_from([0, 1]),
        **{name: st.sampled_from(values) for name, values in TEXT.items()},
        **{
            name: NUMBER
            for name in ("numerateur_num", "denominateur_num", "valeur_effective", "kpi_min", "kpi_max")
        },
    }
)
SCHEMA = {
    name: (pl.Int32 if name == "_file" else pl.Float64 if name.endswith(("_num", "_effective", "_min", "_max")) else pl.String)
    for name in SUITE_COLUMNS
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return CATALOGUE


def frame_of(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA).select(SUITE_COLUMNS)


def by_rule(failures: list[tuple[str, str, list[int]]]) -> list[tuple[str, str, list[int]]]:
    return sorted((rule, column, sorted(indexes)) for rule, column, indexes in failures)


# A suite run costs about the same whatever the rows (~0.2 s, Great Expectations' own set-up), so an
# example's cost is its two runs: half the examples are frames of 1-12 rows (the search this test always
# made), half of 12-48 rows, where rows of both files and of every kind meet. 25 examples look at about as
# many rows as 60 small ones did, for 50 suite runs instead of 120.
FRAMES = st.one_of(st.lists(ROW, min_size=1, max_size=12), st.lists(ROW, min_size=12, max_size=48))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=FRAMES)
def test_the_suite_on_suspect_rows_fails_exactly_as_on_every_row(rows: list[dict[str, object]]) -> None:
    suite = frame_of(rows)
    assert by_rule(suite_failures(suite, CATALOGUE)) == by_rule(
        suite_failures(suite, CATALOGUE, every_row=True)
    )


def test_a_clean_frame_has_no_suspect_row(catalogue: Catalogue) -> None:
    clean = {
        "_file": 0, "finess": "010780195", "cas_usage": "UC01", "indicateur": "EFF_DELAI_PEC",
        "periode_norm": "2025-07", "phase_norm": "pilote", "periode": "2025-07", "phase": "pilote",
        "pair": PAIR, "commentaire": "ok", "numerateur_num": 4.0, "denominateur_num": 40.0,
        "valeur_effective": 45.0, "kpi_min": 0.0, "kpi_max": 1000.0,
    }  # fmt: skip
    other_month = clean | {"periode_norm": "2025-08", "periode": "2025-08"}
    assert suspect_rows(frame_of([clean, other_month]), contract_checks(catalogue)).is_empty()


def test_every_check_flags_the_rows_its_expectation_fails_on(catalogue: Catalogue) -> None:
    """Check by check on a frame of every edge value: a failing row polars did not flag would be lost."""
    rows = [dict.fromkeys(SUITE_COLUMNS) | {"_file": 0} for _ in range(len(TEXT["finess"]))]
    for name, values in TEXT.items():
        for row, value in zip(rows, values * 2, strict=False):
            row[name] = value
    for row, number in zip(rows, [None, math.nan, -1.0, 0.0, 5.0, 1e9, 40.0], strict=True):
        row |= {"numerateur_num": number, "denominateur_num": 5.0, "valeur_effective": number, "kpi_min": 0.0}
        row |= {"kpi_max": 100.0}
    suite = frame_of(rows + rows[:2])  # two repeated keys
    every = suite_failures(suite, catalogue, every_row=True)
    assert {rule for rule, _, _ in every} >= {
        "finess_format",
        "periode_format",
        "doublon",
        "valeur_hors_plage",
    }
    flagged: dict[tuple[str, str], set[int]] = {}  # the two range checks share a rule and column
    for check in contract_checks(catalogue):
        rows_flagged = suite.with_row_index("at").filter(check.suspect)["at"].to_list()
        flagged.setdefault((check.rule, check.column), set()).update(rows_flagged)
    for rule, column, indexes in every:
        assert set(indexes) <= flagged[(rule, column)], rule
