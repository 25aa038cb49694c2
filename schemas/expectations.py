"""The Great Expectations suite of the file contract, built in code from the KPI catalogue.

It runs on a pandas copy of the `SUITE_COLUMNS` of the prepared frame (`schemas.parsing`: helper columns
already parsed); each expectation carries in `meta` the rule id and the contract column it reports on.
Each check also carries a polars expression true on every row its expectation could fail on (and maybe
more): GE then runs on those rows only, with only the expectations whose check flags one of them
(`suspects`), as its pandas engine costs ~2 s per million rows where polars flags them in a few
milliseconds, and each expectation of a run ~20 ms whatever the rows. The verdicts are GE's, on the rows
it can fail.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import polars as pl

from schemas.catalogue import Catalogue
from schemas.finess import FINESS_PATTERN
from schemas.periods import PERIOD_PATTERN

KEY_COLUMNS = ["_file", "finess", "cas_usage", "indicateur", "periode_norm", "phase_norm"]  # unique per file
# Handed to pandas as categoricals, so set and null checks look at each distinct code once. Not the
# columns under a regex check (finess, periode): GE casts those to `str` first, which would expand a
# categorical to one string per row, where an Arrow string column is matched by pyarrow as it is.
CATEGORICAL_COLUMNS = ["cas_usage", "indicateur", "phase", "pair", "periode_norm", "phase_norm"]
SUITE_COLUMNS = [
    *KEY_COLUMNS,
    *("periode", "phase", "pair", "commentaire"),
    *("numerateur_num", "denominateur_num", "valeur_effective", "kpi_min", "kpi_max"),
]


@dataclass(frozen=True)
class Check:
    """An expectation class name, its keyword arguments, the rule id and the column it reports on, and
    a polars expression true on at least every row the expectation fails on (a superset: GE decides)."""

    expectation: str
    kwargs: dict[str, Any]
    rule: str
    column: str
    suspect: pl.Expr = field(compare=False)
    only_where_present: str | None = None  # GE's row condition: the rows where this column is not null


def _not_matching(name: str, pattern: str) -> pl.Expr:
    """Rust's regex where GE uses Python's `re`: on ASCII text both read these patterns alike but for `$`
    before a final newline (Python matches there, so GE may pass a row flagged here); any other text, whose
    digit classes could differ between the two engines' Unicode tables, goes to GE too."""
    text = pl.col(name)
    not_ascii = text.str.len_bytes() != text.str.len_chars()  # a tenth of the cost of a regex
    return (~text.str.contains(pattern) | not_ascii).fill_null(True)


def _not_in(name: str, values: list[str]) -> pl.Expr:
    return ~pl.col(name).cast(pl.String).is_in(values).fill_null(False)


def _below(a: str, b: str) -> pl.Expr:
    """Where `a >= b` can fail: a < b, or either side NaN (polars orders NaN above every number)."""
    return (pl.col(a) < pl.col(b)).fill_null(False) | pl.col(a).is_nan() | pl.col(b).is_nan()


def contract_checks(catalogue: Catalogue) -> list[Check]:
    """Every rule of the contract that Great Expectations can express, from the catalogue (no GE object
    in them: a clean file is flagged by polars alone and never imports GE, 3.5-4.5 s)."""
    use_cases, kpis = sorted(catalogue.use_cases), sorted(catalogue.kpis)
    pairs = sorted(f"{uc}|{kpi}" for uc, kpi in catalogue.allowed_pairs())
    checks = [
        Check("ExpectColumnValuesToNotBeNull", {"column": name}, "obligatoire", name, pl.col(name).is_null())
        for name in ("finess", "cas_usage", "indicateur", "periode", "phase")
    ]
    checks += [
        Check("ExpectColumnValuesToMatchRegex", {"column": "finess", "regex": FINESS_PATTERN}, "finess_format", "finess",
              _not_matching("finess", FINESS_PATTERN)),
        Check("ExpectColumnValuesToBeInSet", {"column": "cas_usage", "value_set": use_cases}, "cas_usage_inconnu", "cas_usage",
              _not_in("cas_usage", use_cases)),
        Check("ExpectColumnValuesToBeInSet", {"column": "indicateur", "value_set": kpis}, "indicateur_inconnu", "indicateur",
              _not_in("indicateur", kpis)),
        Check("ExpectColumnValuesToBeInSet", {"column": "pair", "value_set": pairs}, "indicateur_non_autorise", "indicateur",
              _not_in("pair", pairs)),
        Check("ExpectColumnValuesToMatchRegex", {"column": "periode", "regex": PERIOD_PATTERN}, "periode_format", "periode",
              _not_matching("periode", PERIOD_PATTERN)),
        Check("ExpectColumnValuesToNotBeNull", {"column": "phase_norm"}, "phase_inconnue", "phase",
              pl.col("phase_norm").is_null(), only_where_present="phase"),
        Check("ExpectColumnValuesToBeBetween", {"column": "denominateur_num", "min_value": 0, "strict_min": True}, "denominateur_nul", "denominateur",
              (pl.col("denominateur_num") <= 0).fill_null(False) | pl.col("denominateur_num").is_nan()),
        Check("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "denominateur_num", "column_B": "numerateur_num", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "numerateur_superieur_denominateur", "numerateur",
              _below("denominateur_num", "numerateur_num")),
        Check("ExpectCompoundColumnsToBeUnique", {"column_list": KEY_COLUMNS, "ignore_row_if": "any_value_is_missing"}, "doublon", "indicateur",
              pl.struct(KEY_COLUMNS).is_duplicated()),  # every row of a repeated key: GE sees whole groups
        Check("ExpectColumnValueLengthsToBeBetween", {"column": "commentaire", "max_value": 500}, "commentaire_trop_long", "commentaire",
              (pl.col("commentaire").str.len_chars() > 500).fill_null(False)),
    ]  # fmt: skip
    # the plausible range of each row's KPI sits in kpi_min / kpi_max: two expectations, not one per KPI
    checks += [
        Check("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "valeur_effective", "column_B": "kpi_min", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "valeur_hors_plage", "valeur",
              _below("valeur_effective", "kpi_min")),
        Check("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "kpi_max", "column_B": "valeur_effective", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "valeur_hors_plage", "valeur",
              _below("kpi_max", "valeur_effective")),
    ]  # fmt: skip
    return checks


class ContractValidator:
    """One ephemeral GE context and batch definition, reused for every file of the process; a suite per
    set of checks asked for (built on first use: a file's suspect rows meet one or two checks)."""

    def __init__(self, catalogue: Catalogue) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self.checks = checks_for(catalogue)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("submissions").add_dataframe_asset("rows")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("file")
        self.suites: dict[frozenset[int], Any] = {}

    def suite(self, checks: frozenset[int]) -> Any:
        """The GE suite of the checks at these positions of `self.checks`."""
        if checks not in self.suites:
            import great_expectations as gx
            import great_expectations.expectations as gxe
            from great_expectations.expectations.row_conditions import Column

            suite = gx.ExpectationSuite(name=f"tlkpi_contract_v1_{'_'.join(map(str, sorted(checks)))}")
            for position in sorted(checks):
                check = self.checks[position]
                expectation_class = getattr(gxe, check.expectation)
                meta = {"rule": check.rule, "column": check.column}
                kwargs = dict(check.kwargs)
                if check.only_where_present:
                    kwargs["row_condition"] = Column(check.only_where_present).is_not_null()
                suite.add_expectation(expectation_class(**kwargs, meta=meta))
            self.suites[checks] = self.context.suites.add(suite)
        return self.suites[checks]

    def failures(self, frame: Any, checks: frozenset[int]) -> list[tuple[str, str, list[int]]]:
        """Run the suite of `checks`; (rule, column, failing frame indexes) per failed expectation.

        Only the index list is complete: GE cuts `unexpected_list` at 200 values, so the failing
        values are read back from the frame by the caller.
        """
        suite = self.suite(checks)
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        failed = []
        for outcome in result.results:
            if outcome.success:
                continue
            config = outcome.expectation_config
            meta = (config.meta if config is not None else None) or {}
            if outcome.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"expectation {meta.get('rule')} crashed: {outcome.exception_info['exception_message']}"
                )
            indexes = outcome.result.get("unexpected_index_list") or []
            failed.append((meta["rule"], meta["column"], [int(index) for index in indexes]))
        return failed


def suspect_rows(frame: pl.DataFrame, checks: list[Check]) -> pl.Series:
    """The positions of the rows of `frame` (the suite's columns) that some check could fail on."""
    return suspects(frame, checks)[0]


def suspects(frame: pl.DataFrame, checks: list[Check]) -> tuple[pl.Series, frozenset[int]]:
    """The rows of `frame` some check could fail on, and the positions of the checks that flag one.
    A null expression is not a flag (as for the rows): each check's expression is null only where its
    expectation skips the row (a missing value under `only_where_present` or `ignore_row_if`)."""
    flags = frame.select([check.suspect.alias(str(i)) for i, check in enumerate(checks)])
    flagged = frozenset(i for i, column in enumerate(flags.iter_columns()) if column.any())
    suspect = flags.select(pl.any_horizontal(pl.all())).to_series().fill_null(False)
    return suspect.arg_true().cast(pl.UInt32).rename("at"), flagged


def suite_failures(
    suite: pl.DataFrame, catalogue: Catalogue, every_row: bool = False
) -> list[tuple[str, str, list[int]]]:
    """(rule, column, failing row positions) per failed expectation of the suite over `suite` (the
    `SUITE_COLUMNS`), run on the suspect rows only, with the expectations whose check flags one of
    them (`every_row` for every expectation on all rows: the same answer)."""
    checks = checks_for(catalogue)
    if every_row:
        rows, flagged = pl.Series("at", range(suite.height), pl.UInt32), frozenset(range(len(checks)))
    else:
        rows, flagged = suspects(suite, checks)
    if rows.is_empty():  # a clean file never builds the GE context (0.05-0.13 s)
        return []
    # codes as categoricals (see CATEGORICAL_COLUMNS): pandas checks each distinct code once; the
    # frame's index is each row's position in `suite`, which GE reports back
    frame = suite.gather(rows).with_columns(pl.col(CATEGORICAL_COLUMNS).cast(pl.Categorical)).to_pandas()
    frame.index = rows.to_numpy()
    return validator_for(catalogue).failures(frame, flagged)


@cache
def checks_for(catalogue: Catalogue) -> list[Check]:
    """The contract's checks for a catalogue, built once per process."""
    return contract_checks(catalogue)


@cache
def validator_for(catalogue: Catalogue) -> ContractValidator:
    """The validator of a catalogue, built once per process (building the GE context costs ~0.1 s)."""
    return ContractValidator(catalogue)
