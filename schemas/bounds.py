"""Bounds checked before any cast, regex or load: cell lengths, number ceilings, period years, personal data.

Each check is a boolean mask over the prepared polars frame, so a hostile file costs a few column
scans. Cells over the length limit are never handed to a regex; cells holding personal data, or too
long to show, are `masked`: no other rule reports them, so their text is never echoed.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.budget import CheckTimeout, Deadline
from schemas.code_rules import INDEX, RawIssue, Rule, rules_failing
from schemas.columns import COLUMN_NAMES
from schemas.parsing import INTEGER_COLUMNS
from schemas.periods import PERIOD_PATTERN
from schemas.personal_data import holds_personal_data
from tlkpi.settings import Settings
from tlkpi.settings_parts import default, settings_part

# columns whose text is echoed in messages; the comment is never echoed (see messages.UNECHOED_RULES)
CODE_COLUMNS = tuple(name for name in COLUMN_NAMES if name != "commentaire")
COMMENT_MAX_CHARS = 500
PERSONAL_RULE = "donnee_personnelle"
LONG_CELL_RULE = "cellule_trop_longue"
MASKING_RULES = frozenset({PERSONAL_RULE, LONG_CELL_RULE, "commentaire_trop_long"})


@dataclass(frozen=True)
class CheckLimits:
    """What checking one file may cost and the plausible ceilings of its cells (see `Settings`)."""

    max_cell_chars: int = default("max_cell_chars")
    max_count: int = default("max_count")
    min_period_year: int = default("min_period_year")
    seconds_per_file: float = default("check_seconds_per_file")

    @classmethod
    def of(cls, settings: Settings) -> CheckLimits:
        return settings_part(cls, settings, {"seconds_per_file": "check_seconds_per_file"})


def bound_issues(frame: pl.DataFrame, limits: CheckLimits) -> list[RawIssue]:
    """Too-long cells, numbers above their ceiling and periods before `min_period_year`.

    `frame` is the prepared file or batch (`schemas.parsing`); comment length is the suite's rule.
    """
    data = frame.with_row_index(INDEX)
    cell_limit = pl.lit(str(limits.max_cell_chars))
    rules = [
        Rule(pl.col(name).str.len_chars() > limits.max_cell_chars, LONG_CELL_RULE, name, cell_limit)
        for name in CODE_COLUMNS
    ]
    count_limit = pl.lit(f"{limits.max_count:_}".replace("_", " "))
    rules += [
        Rule(pl.col(f"{name}_num").abs() > limits.max_count, "nombre_trop_grand", name, count_limit)
        for name in INTEGER_COLUMNS
    ]
    year = pl.col("periode").str.slice(0, 4).cast(pl.Int32, strict=False)  # as written: 0000 stays 0000
    early = pl.col("periode").str.contains(PERIOD_PATTERN) & (year < limits.min_period_year)
    rules.append(Rule(early, "periode_hors_plage", "periode", pl.lit(str(limits.min_period_year))))
    return rules_failing(data, rules)


def personal_data_issues(frame: pl.DataFrame, limits: CheckLimits) -> list[RawIssue]:
    """Cells holding a NIR, a phone number, an e-mail or a date of birth, in any contract column.

    Only cells within the length limit are searched (longer ones are refused as too long); each
    distinct text is searched once, by a linear-time engine.
    """

    def distinct(name: str) -> pl.Expr:
        ceiling = COMMENT_MAX_CHARS if name == "commentaire" else limits.max_cell_chars
        cells = pl.col(name).drop_nulls()
        return cells.filter(cells.str.len_chars() <= ceiling).unique().implode()

    texts = frame.select(distinct(name) for name in COLUMN_NAMES).row(0)  # one pass, columns in parallel
    found: list[RawIssue] = []
    for name, column_texts in zip(COLUMN_NAMES, texts, strict=True):
        flagged = {text for text in column_texts if holds_personal_data(text)}
        if flagged:
            indexes = frame.with_row_index(INDEX).filter(pl.col(name).is_in(list(flagged)))[INDEX].to_list()
            found += [(PERSONAL_RULE, name, index, None, "") for index in indexes]
    return found


def masked_cells(issues: list[RawIssue]) -> set[tuple[int, str]]:
    """(row index, column) of cells whose text must not be shown, by any rule."""
    return {(index, column) for rule, column, index, _, _ in issues if rule in MASKING_RULES}


def unmasked(issues: list[RawIssue], masked: set[tuple[int, str]]) -> list[RawIssue]:
    """The issues, less those of other rules on masked cells (they would echo the cell)."""
    return [issue for issue in issues if issue[0] in MASKING_RULES or (issue[2], issue[1]) not in masked]


DEFAULT_CHECK_LIMITS = CheckLimits()
__all__ = ["CheckLimits", "CheckTimeout", "Deadline", "bound_issues", "personal_data_issues"]
