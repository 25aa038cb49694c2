"""What a statistician expects of the periods and numbers of one file, beyond each cell being well formed.

A period not yet over gives provisional values; a reference (baseline) period after a pilot period of the
same indicator has its phases swapped; a quarter given with its own months counts the measure twice; and
`1,234` may be a thousand two hundred and thirty-four or 1.234. Rules over the rows of one file (never
across the files of a batch), as raw issues like the code rules.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas.code_rules import INDEX, RawIssue, Rule, rules_failing
from schemas.parsing import map_distinct
from schemas.periods import parse_period

AMBIGUOUS_THOUSANDS = r"^\s*[1-9]\d{0,2}[.,]\d{3}\s*$"  # 1,234 or 1.234: thousands or decimals?


def _bounds(label: str) -> tuple[date, date] | None:
    period = parse_period(label)
    return None if period is None else (period.start, period.end)


def semantic_issues(frame: pl.DataFrame, today: date, file_column: str) -> list[RawIssue]:
    """Unfinished periods, swapped phases, quarters with their months and ambiguous separators."""
    bounds = map_distinct(frame["periode_norm"], _bounds, pl.List(pl.Date))
    data = frame.with_row_index(INDEX).with_columns(
        bounds.list.get(0, null_on_oob=True).alias("_start"),
        bounds.list.get(1, null_on_oob=True).alias("_end"),
        pl.col("periode_norm").str.contains("-T").alias("_is_quarter"),
    )
    start, end = pl.col("_start"), pl.col("_end")
    measure = [file_column, "finess", "cas_usage", "indicateur"]
    data = _with_group_flags(data, measure)
    rules = [Rule((start <= today) & (end > pl.lit(today)), "periode_en_cours", "periode")]
    rules.append(Rule(pl.col("periode_norm").is_not_null() & pl.col(_MIXED), "trimestre_et_mois", "periode"))
    pilot, reference = pl.col("phase_norm") == "pilote", pl.col("phase_norm") == "reference"
    first_pilot_end, last_reference_start = pl.col(_FIRST_PILOT_END), pl.col(_LAST_REFERENCE_START)
    swapped = (reference & (start >= first_pilot_end)) | (pilot & (end <= last_reference_start))
    rules.append(Rule(swapped, "reference_apres_pilote", "periode"))
    ambiguous = pl.col("valeur").str.contains(AMBIGUOUS_THOUSANDS)
    read_as = pl.col("valeur_num").cast(pl.String).str.replace(".", ",", literal=True)
    rules.append(Rule(ambiguous, "separateur_ambigu", "valeur", read_as))
    return rules_failing(data, rules)


_MIXED, _FIRST_PILOT_END, _LAST_REFERENCE_START = "_mixed", "_first_pilot_end", "_last_reference_start"


def _with_group_flags(data: pl.DataFrame, measure: list[str]) -> pl.DataFrame:
    """`data` with, per row, what its groups say, joined only where a group can fail (rarely: a clean
    file joins nothing, and a window over a million rows cost 6x these group-bys):
    `_mixed`, the (measure, phase, quarter) holds both the quarter and some of its months;
    `_first_pilot_end` / `_last_reference_start` of the measure, when a reference period starts after a
    pilot period ends. Null keys group together, as in a window."""
    known, quarter = pl.col("periode_norm").is_not_null(), pl.col("_is_quarter")
    by_quarter = [*measure, "phase_norm", "quarter"]
    mixed = (
        data.filter(known)
        .group_by(by_quarter)
        .agg((quarter.any() & (~quarter).any()).alias(_MIXED))
        .filter(pl.col(_MIXED))
    )
    pilot, reference = pl.col("phase_norm") == "pilote", pl.col("phase_norm") == "reference"
    phases = (
        data.group_by(measure)
        .agg(
            pl.col("_end").filter(pilot).min().alias(_FIRST_PILOT_END),
            pl.col("_start").filter(reference).max().alias(_LAST_REFERENCE_START),
        )
        .filter(pl.col(_LAST_REFERENCE_START) >= pl.col(_FIRST_PILOT_END))
    )
    flagged = data.with_columns(
        pl.lit(False).alias(_MIXED),
        pl.lit(None, pl.Date).alias(_FIRST_PILOT_END),
        pl.lit(None, pl.Date).alias(_LAST_REFERENCE_START),
    )
    for groups, keys in ((mixed, by_quarter), (phases, measure)):
        if groups.height:
            flagged = flagged.drop([name for name in groups.columns if name not in keys]).join(
                groups, on=keys, how="left", nulls_equal=True, maintain_order="left"
            )
    return flagged.with_columns(pl.col(_MIXED).fill_null(False))
