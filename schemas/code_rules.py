"""The rules Great Expectations cannot express, as boolean masks over the prepared polars frame.

Each rule yields raw issues `(rule, contract column, row index in the frame, value, detail)`; only the
failing rows are ever turned into Python objects, so a clean million-row file costs a few column scans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

import polars as pl

from schemas.finess import has_valid_format, is_valid_finess
from schemas.parsing import INTEGER_COLUMNS, NUMERIC_COLUMNS, map_distinct
from schemas.periods import is_in_future, parse_period

RATE_TOLERANCE = 0.05 + 1e-9  # a rate may be rounded to one decimal
UNUSUAL_RATIO = 3.0  # a value 3x above or below the establishment's history is worth a second look
UNUSUAL_SHARE_OF_RANGE = 0.1  # ... when it also moves by a tenth of the KPI's plausible range
History = Mapping[tuple[str, str, str, str], float]  # (finess, use case, KPI, phase) -> median value
RawIssue = tuple[str, str, int, object, str]  # rule, contract column, row index in the file, value, detail
INDEX = "_index"


INBOX_COLUMN = "_inbox"  # the FINESS of the inbox folder a row's file came from (null: none)


def code_rule_issues(frame: pl.DataFrame, *, today: date) -> list[RawIssue]:
    """Every code-rule failure of a prepared file or batch (row indexes are the frame's)."""
    inbox = pl.col(INBOX_COLUMN) if INBOX_COLUMN in frame.columns else pl.lit(None, pl.String)
    data = frame.with_row_index(INDEX).with_columns(
        map_distinct(frame["finess"], has_valid_format, pl.Boolean).alias("_finess_format"),
        map_distinct(frame["finess"], is_valid_finess, pl.Boolean).alias("_finess_key"),
        map_distinct(frame["periode_norm"], lambda label: _starts_after(label, today), pl.Boolean).alias(
            "_future"
        ),
        inbox.alias(INBOX_COLUMN),
    )
    rules = [Rule(pl.col("_finess_format") & ~pl.col("_finess_key"), "finess_cle", "finess")]
    elsewhere = pl.col("_finess_key") & (pl.col("finess") != pl.col(INBOX_COLUMN))
    rules.append(Rule(elsewhere, "finess_hors_dossier", "finess", pl.col(INBOX_COLUMN)))
    rules.append(Rule(pl.col("_future"), "periode_future", "periode"))
    for name in NUMERIC_COLUMNS:
        raw, number = pl.col(name), pl.col(f"{name}_num")
        rules.append(Rule(raw.is_not_null() & number.is_null(), "nombre_invalide", name))
        if name in INTEGER_COLUMNS:
            not_whole = (number < 0) | (number != number.floor())
            rules.append(Rule(number.is_not_null() & not_whole, "nombre_entier", name))
    found = rules_failing(data, rules)
    found += _value_issues(data)
    return found


def _starts_after(label: str, today: date) -> bool:
    period = parse_period(label)
    return period is not None and is_in_future(period, today)


class Rule(NamedTuple):
    """A rule as a mask over the prepared frame; `detail` (row by row) explains a failing cell."""

    mask: pl.Expr
    rule: str
    column: str
    detail: pl.Expr | None = None


def rules_failing(data: pl.DataFrame, rules: Sequence[Rule]) -> list[RawIssue]:
    """The raw issues of every rule, rule by rule, in row order. The masks are evaluated in one pass
    (polars shares the groups of window expressions over the same columns and runs them in parallel);
    only the rows where one fails are filtered and turned into Python objects."""
    flags = data.select(rule.mask.fill_null(False).alias(f"_fails{n}") for n, rule in enumerate(rules))
    hit = flags.select(pl.any_horizontal(pl.all())).to_series()
    if not hit.any():
        return []
    failing = pl.concat([data.filter(hit), flags.filter(hit)], how="horizontal")
    found: list[RawIssue] = []
    for n, (_, rule, column, detail) in enumerate(rules):
        explained = (detail if detail is not None else pl.lit("")).alias("_detail")
        rows = failing.filter(pl.col(f"_fails{n}")).select(INDEX, column, explained)
        found += [(rule, column, index, value, text) for index, value, text in rows.iter_rows()]
    return found


def _value_issues(data: pl.DataFrame) -> list[RawIssue]:
    """Missing value, missing counts of a rate, and a rate that disagrees with its counts (one per row)."""
    has_counts = pl.col("numerateur_num").is_not_null() & pl.col("denominateur_num").is_not_null()
    missing = pl.col("valeur").is_null() & ~has_counts
    is_rate = pl.col("is_rate").fill_null(False)
    found: list[RawIssue] = [("valeur_manquante", "valeur", i, None, "") for i in _indexes(data, missing)]
    no_counts = _indexes(data, ~missing & is_rate & ~has_counts)
    found += [("numerateur_requis", "numerateur", i, None, "") for i in no_counts]
    counted = 100 * pl.col("numerateur_num") / pl.col("denominateur_num")
    disagrees = (
        ~missing
        & is_rate
        & has_counts
        & pl.col("valeur_num").is_not_null()
        & (pl.col("denominateur_num") > 0)
        & ((pl.col("valeur_num") - counted).abs() > RATE_TOLERANCE)
    )
    rows = data.filter(disagrees.fill_null(False)).select(INDEX, "valeur", counted.alias("_counted"))
    found += [
        ("taux_incoherent", "valeur", index, value, f"{counted_value:.1f}".replace(".", ","))
        for index, value, counted_value in rows.iter_rows()
    ]
    return found


def _indexes(data: pl.DataFrame, mask: pl.Expr) -> list[int]:
    return data.filter(mask.fill_null(False))[INDEX].to_list()


def unusual_values(frame: pl.DataFrame, history: History) -> list[tuple[int, float, float]]:
    """(row index, value, history median) of values far from what the establishment reported before."""
    if not history:
        return []
    keys = ("finess", "cas_usage", "indicateur", "phase_norm")
    past = pl.DataFrame(
        [(*key, median) for key, median in history.items()],
        schema={**{k: pl.String for k in keys}, "_median": pl.Float64},
        orient="row",
    )
    value, median = pl.col("valeur_effective"), pl.col("_median")
    far = pl.max_horizontal(value / median, median / value) > UNUSUAL_RATIO
    moved = (value - median).abs() > UNUSUAL_SHARE_OF_RANGE * (pl.col("kpi_max") - pl.col("kpi_min"))
    rows = (
        frame.with_row_index(INDEX)
        .join(past, on=list(keys), how="inner")
        .filter((median > 0) & (value > 0) & far & moved)
        .sort(INDEX)
        .select(INDEX, value, median)
    )
    return [(index, found_value, found_median) for index, found_value, found_median in rows.iter_rows()]
