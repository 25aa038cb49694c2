"""The Great Expectations suite of the file contract, built in code from the KPI catalogue.

It runs on a pandas copy of the `SUITE_COLUMNS` of the prepared frame (`schemas.parsing`: helper columns
already parsed); each expectation carries in `meta` the rule id and the contract column it reports on.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

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
    """An expectation class name, its keyword arguments, the rule id and the column it reports on."""

    expectation: str
    kwargs: dict[str, Any]
    rule: str
    column: str


def contract_checks(catalogue: Catalogue) -> list[Check]:
    """Every rule of the contract that Great Expectations can express, from the catalogue."""
    from great_expectations.expectations.row_conditions import Column  # GE only where a file is validated

    checks = [
        Check("ExpectColumnValuesToNotBeNull", {"column": name}, "obligatoire", name)
        for name in ("finess", "cas_usage", "indicateur", "periode", "phase")
    ]
    checks += [
        Check("ExpectColumnValuesToMatchRegex", {"column": "finess", "regex": FINESS_PATTERN}, "finess_format", "finess"),
        Check("ExpectColumnValuesToBeInSet", {"column": "cas_usage", "value_set": sorted(catalogue.use_cases)}, "cas_usage_inconnu", "cas_usage"),
        Check("ExpectColumnValuesToBeInSet", {"column": "indicateur", "value_set": sorted(catalogue.kpis)}, "indicateur_inconnu", "indicateur"),
        Check("ExpectColumnValuesToBeInSet", {"column": "pair", "value_set": sorted(f"{uc}|{kpi}" for uc, kpi in catalogue.allowed_pairs())}, "indicateur_non_autorise", "indicateur"),
        Check("ExpectColumnValuesToMatchRegex", {"column": "periode", "regex": PERIOD_PATTERN}, "periode_format", "periode"),
        Check("ExpectColumnValuesToNotBeNull", {"column": "phase_norm", "row_condition": Column("phase").is_not_null()}, "phase_inconnue", "phase"),
        Check("ExpectColumnValuesToBeBetween", {"column": "denominateur_num", "min_value": 0, "strict_min": True}, "denominateur_nul", "denominateur"),
        Check("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "denominateur_num", "column_B": "numerateur_num", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "numerateur_superieur_denominateur", "numerateur"),
        Check("ExpectCompoundColumnsToBeUnique", {"column_list": KEY_COLUMNS, "ignore_row_if": "any_value_is_missing"}, "doublon", "indicateur"),
        Check("ExpectColumnValueLengthsToBeBetween", {"column": "commentaire", "max_value": 500}, "commentaire_trop_long", "commentaire"),
    ]  # fmt: skip
    # the plausible range of each row's KPI sits in kpi_min / kpi_max: two expectations, not one per KPI
    checks += [
        Check("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "valeur_effective", "column_B": "kpi_min", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "valeur_hors_plage", "valeur"),
        Check("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "kpi_max", "column_B": "valeur_effective", "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "valeur_hors_plage", "valeur"),
    ]  # fmt: skip
    return checks


class ContractValidator:
    """One ephemeral GE context, suite and batch definition, reused for every file of the process."""

    def __init__(self, catalogue: Catalogue) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("submissions").add_dataframe_asset("rows")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("file")
        suite = gx.ExpectationSuite(name="tlkpi_contract_v1")
        for check in contract_checks(catalogue):
            expectation_class = getattr(gxe, check.expectation)
            meta = {"rule": check.rule, "column": check.column}
            suite.add_expectation(expectation_class(**check.kwargs, meta=meta))
        self.suite = self.context.suites.add(suite)

    def failures(self, frame: Any) -> list[tuple[str, str, list[int]]]:
        """Run the suite; (rule, column, failing frame indexes) per failed expectation.

        Only the index list is complete: GE cuts `unexpected_list` at 200 values, so the failing
        values are read back from the frame by the caller.
        """
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(self.suite, result_format={"result_format": "COMPLETE"})
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


@cache
def validator_for(catalogue: Catalogue) -> ContractValidator:
    """The validator of a catalogue, built once per process (building the GE context costs ~0.1 s)."""
    return ContractValidator(catalogue)
