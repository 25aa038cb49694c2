"""The group rules of `schemas.semantics` (a quarter beside its months, a reference period after a pilot
one) are computed per group and joined back only where a group fails: their issues must be exactly those
of the per-row windows they replace, written here as the reference."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.code_rules import INDEX, Rule, rules_failing
from schemas.parsing import map_distinct
from schemas.semantics import _bounds, semantic_issues

TODAY = date(2025, 11, 15)
PERIODS = ["2025-T1", "2025-01", "2025-02", "2025-T3", "2025-07", "2025-09", "2025-T4", "2025-11", None]
ROW = st.fixed_dictionaries(
    {
        "_file": st.sampled_from([0, 1]),
        "finess": st.sampled_from(["010780195", "010780906", None]),
        "cas_usage": st.sampled_from(["UC01", None]),
        "indicateur": st.sampled_from(["EFF_DELAI_PEC", "QUA_READMISSION_30J"]),
        "phase_norm": st.sampled_from(["pilote", "reference", None]),
        "periode_norm": st.sampled_from(PERIODS),
        "valeur": st.sampled_from(["12", "1,234", None]),
    }
)
SCHEMA = {"_file": pl.Int32, **dict.fromkeys(("finess", "cas_usage", "indicateur", "phase_norm"), pl.String)}


def frame_of(rows: list[dict[str, object]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={**SCHEMA, "periode_norm": pl.String, "valeur": pl.String})
    quarter = pl.col("periode_norm").str.slice(0, 5) + pl.col("periode_norm").map_elements(
        lambda p: f"T{(int(p[5:]) - 1) // 3 + 1}" if "T" not in p else p[5:], return_dtype=pl.String
    )
    return frame.with_columns(
        pl.col("periode_norm").alias("periode"),
        quarter.alias("quarter"),
        pl.col("valeur").str.replace(",", ".").cast(pl.Float64).alias("valeur_num"),
    )


def windowed(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    """The two group rules as they were written, with windows over every row."""
    bounds = map_distinct(frame["periode_norm"], _bounds, pl.List(pl.Date))
    data = frame.with_row_index(INDEX).with_columns(
        bounds.list.get(0, null_on_oob=True).alias("_start"),
        bounds.list.get(1, null_on_oob=True).alias("_end"),
        pl.col("periode_norm").str.contains("-T").alias("_is_quarter"),
    )
    start, end = pl.col("_start"), pl.col("_end")
    measure = ["_file", "finess", "cas_usage", "indicateur"]
    quarter, known = pl.col("_is_quarter"), pl.col("periode_norm").is_not_null()
    keys = [*measure, "phase_norm", "quarter"]
    both = (known & quarter).any().over(keys) & (known & ~quarter).any().over(keys)
    pilot, reference = pl.col("phase_norm") == "pilote", pl.col("phase_norm") == "reference"
    first_pilot_end = pl.when(pilot).then(end).min().over(measure)
    last_reference_start = pl.when(reference).then(start).max().over(measure)
    swapped = (reference & (start >= first_pilot_end)) | (pilot & (end <= last_reference_start))
    rules = [
        Rule(known & both, "trimestre_et_mois", "periode"),
        Rule(swapped, "reference_apres_pilote", "periode"),
    ]
    return sorted(rules_failing(data, rules), key=repr)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=14))
def test_group_rules_fail_exactly_the_rows_the_windows_failed(rows: list[dict[str, object]]) -> None:
    frame = frame_of(rows)
    grouped = [
        i
        for i in semantic_issues(frame, TODAY, "_file")
        if i[0] in ("trimestre_et_mois", "reference_apres_pilote")
    ]
    assert sorted(grouped, key=repr) == windowed(frame)


def test_a_reference_quarter_after_the_pilot_is_found_among_clean_rows() -> None:
    clean = [{"_file": 0, "finess": "010780195", "cas_usage": "UC01", "indicateur": "EFF_DELAI_PEC",
              "phase_norm": "pilote", "periode_norm": p, "valeur": "12"} for p in ("2025-07", "2025-09")]  # fmt: skip
    late_reference = clean[0] | {"phase_norm": "reference", "periode_norm": "2025-T4"}
    other = [row | {"finess": "010780906"} for row in clean]
    issues = semantic_issues(frame_of([*clean, *other, late_reference]), TODAY, "_file")
    swapped = [index for rule, _, index, _, _ in issues if rule == "reference_apres_pilote"]
    assert swapped == [0, 1, 4]  # both pilot months end before the reference quarter starts
