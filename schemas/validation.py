"""Check a submitted table against the contract: the GE suite, then the rules GE cannot express.

Returns a verdict with every issue located (row, column as written, rule, value) and, when the file
is acceptable, the typed measurements ready to load.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from schemas.bounds import (
    COMMENT_MAX_CHARS,
    DEFAULT_CHECK_LIMITS,
    CheckLimits,
    Deadline,
    bound_issues,
    masked_cells,
    personal_data_issues,
    unmasked,
)
from schemas.catalogue import Catalogue
from schemas.code_rules import INBOX_COLUMN, History, RawIssue, code_rule_issues, unusual_values
from schemas.excel_habits import RESTORED, restore_finess_zero
from schemas.expectations import SUITE_COLUMNS, suite_failures
from schemas.messages import WARNING_RULES, Issue, Severity, make_issue
from schemas.parsing import contract_columns, parse_cells
from schemas.personal_data import personal_columns
from schemas.reading import MAX_SCANNED_CHARS, ROW_COLUMN, SubmittedTable
from schemas.semantics import semantic_issues

FILE_COLUMN = "_file"  # which file of a batch a row comes from
VALUE_SOURCE = {"valeur": "valeur_effective"}  # shown when the user left the cell empty

MEASUREMENT_SCHEMA = {
    "source_row": pl.Int32,
    "finess": pl.String,
    "use_case": pl.String,
    "domain": pl.String,
    "kpi": pl.String,
    "period": pl.String,
    "quarter": pl.String,
    "phase": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "n_patients": pl.Int64,
    "comment": pl.String,
}


@dataclass(frozen=True)
class ValidationResult:
    """Accepted when no issue is an error; `measurements` is then the typed table to load."""

    issues: tuple[Issue, ...]
    n_rows: int
    measurements: pl.DataFrame | None

    @property
    def accepted(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]


def _range_detail(catalogue: Catalogue, kpi_code: str) -> str:
    kpi = catalogue.kpis[kpi_code]
    return f"{kpi.code} : de {kpi.min:g} à {kpi.max:g} {kpi.unit}"


def validate_table(
    table: SubmittedTable,
    catalogue: Catalogue,
    *,
    today: date,
    inbox_finess: str | None = None,
    history: History | None = None,
    limits: CheckLimits = DEFAULT_CHECK_LIMITS,
) -> ValidationResult:
    """Every issue of one file, sorted by row; typed measurements when there is no error."""
    return validate_tables([(table, inbox_finess)], catalogue, today=today, history=history, limits=limits)[0]


def _file_columns(submitted: Sequence[tuple[SubmittedTable, str | None]]) -> list[pl.Series]:
    """Per row of the batch, the number of its file and the FINESS of that file's inbox folder."""
    heights = pl.Series([table.frame.height for table, _ in submitted], dtype=pl.UInt32)
    numbers = pl.select(pl.int_range(len(submitted), dtype=pl.Int32).repeat_by(heights).explode()).to_series()
    inboxes = pl.Series([inbox for _, inbox in submitted], dtype=pl.String).gather(numbers)
    return [numbers.alias(FILE_COLUMN), inboxes.alias(INBOX_COLUMN)]


def validate_tables(
    submitted: Sequence[tuple[SubmittedTable, str | None]],
    catalogue: Catalogue,
    *,
    today: date,
    history: History | None = None,
    limits: CheckLimits = DEFAULT_CHECK_LIMITS,
) -> list[ValidationResult]:
    """Validate many files as one batch: one run of the suite (its fixed cost dominates small files)
    and one pass of each code rule; issues and measurements then go back to their file.

    Each item is a table and the FINESS of the inbox folder it came from; verdicts come back in order.
    Bounds come first: cells over the length limit never reach a regex, and no rule echoes a cell
    that holds personal data. Raises `CheckTimeout` past `limits.seconds_per_file` per file.
    """
    if not submitted:
        return []
    deadline = Deadline(limits.seconds_per_file * len(submitted))
    offsets = [0]
    for table, _ in submitted:
        offsets.append(offsets[-1] + table.frame.height)
    batch = parse_cells(
        restore_finess_zero(
            contract_columns([table for table, _ in submitted]).with_columns(_file_columns(submitted))
        ),
        catalogue,
    )
    raw = bound_issues(batch, limits)
    deadline.check()
    raw += personal_data_issues(batch, limits)
    deadline.check()
    raw += _suite_issues(batch, catalogue, limits)
    deadline.check()
    raw += code_rule_issues(batch, today=today)
    raw += semantic_issues(batch, today, FILE_COLUMN)
    deadline.check()
    per_file: list[list[RawIssue]] = [[] for _ in submitted]
    for rule, column, index, value, detail in unmasked(raw, masked_cells(raw)):
        number = bisect_right(offsets, index) - 1
        per_file[number].append((rule, column, index - offsets[number], value, detail))
    unusual: list[list[tuple[int, float, float]]] = [[] for _ in submitted]
    for index, value, median in unusual_values(batch, history or {}):
        number = bisect_right(offsets, index) - 1
        unusual[number].append((index - offsets[number], value, median))
    restored: list[list[tuple[int, str]]] = [[] for _ in submitted]
    for number, row, finess in (
        batch.filter(pl.col(RESTORED)).select(FILE_COLUMN, ROW_COLUMN, "finess").iter_rows()
    ):
        restored[number].append((row, finess))
    rows = batch[ROW_COLUMN]
    issues = [
        _issues(
            table,
            rows.slice(offsets[n], offsets[n + 1] - offsets[n]),
            per_file[n],
            unusual[n],
            restored[n],
        )
        for n, (table, _) in enumerate(submitted)
    ]
    accepted = [not any(issue.severity == "error" for issue in found) for found in issues]
    measurements = _accepted_measurements(batch, offsets, accepted)
    return [
        ValidationResult(found, table.frame.height, next(measurements) if ok else None)
        for (table, _), found, ok in zip(submitted, issues, accepted, strict=True)
    ]


def _accepted_measurements(
    batch: pl.DataFrame, offsets: list[int], accepted: list[bool]
) -> Iterator[pl.DataFrame]:
    """The measurements of the accepted files of the batch, in their order: typed in one pass over their
    rows, then cut per file (slices share the columns)."""
    numbers = [n for n, ok in enumerate(accepted) if ok]
    if not numbers:
        return
    rows = batch.filter(pl.col(FILE_COLUMN).is_in(numbers)) if len(numbers) < len(accepted) else batch
    measurements = to_measurements(rows)
    start = 0
    for number in numbers:
        height = offsets[number + 1] - offsets[number]
        yield measurements.slice(start, height)
        start += height


def _habit_warnings(table: SubmittedTable, restored: list[tuple[int, str]]) -> list[Issue]:
    """What a spreadsheet did to the file and was undone: a FINESS's lost zero, a period typed as a date."""
    warnings = [
        make_issue("finess_zero_restaure", row=row, column=table.headers.get("finess", "finess"),
                   value=finess[1:], detail=finess, severity="warning")
        for row, finess in restored
    ]  # fmt: skip
    warnings += [
        make_issue("periode_date_excel", row=row, column=table.headers.get("periode"), value=month,
                   severity="warning")
        for row, month in table.dated_periods
    ]  # fmt: skip
    return warnings


def _suite_issues(batch: pl.DataFrame, catalogue: Catalogue, limits: CheckLimits) -> list[RawIssue]:
    """Run the GE suite over the rows of the batch some check could fail on; its failures as raw issues
    (row indexes of the batch). A clean batch never reaches GE.

    Text is cut just past its length limit first: a cut cell still fails, and GE's regexes never
    see a hostile megabyte.
    """
    found: list[RawIssue] = []
    cut = [
        pl.col(name).str.slice(0, (COMMENT_MAX_CHARS if name == "commentaire" else limits.max_cell_chars) + 1)
        for name in ("finess", "cas_usage", "indicateur", "periode", "phase", "commentaire")
    ]
    for rule, column, indexes in suite_failures(batch.select(SUITE_COLUMNS).with_columns(cut), catalogue):
        at = pl.Series("at", indexes, dtype=pl.UInt32)
        failing = batch.select(
            pl.col(column).gather(at).alias("written"),
            pl.col("valeur_effective").gather(at),
            pl.col("indicateur").gather(at),
        )
        for index, (written, effective, kpi) in zip(indexes, failing.iter_rows(), strict=True):
            shown: object = written
            if written is None and column in VALUE_SOURCE:
                shown = effective
            detail = _range_detail(catalogue, kpi) if rule == "valeur_hors_plage" else ""
            found.append((rule, column, index, shown, detail))
    return found


def _issues(
    table: SubmittedTable,
    rows: pl.Series,
    raw: list[RawIssue],
    unusual: list[tuple[int, float, float]],
    restored: list[tuple[int, str]],
) -> tuple[Issue, ...]:
    """One file's issues in French, sorted by row (`rows`: the file's row number of each of its rows)."""
    numbers: list[int] = rows.to_list() if raw or unusual else []  # a clean million-row file: 0.05 s saved
    issues: list[Issue] = [
        make_issue("colonne_ignoree", row=1, column=header, value=header, severity="warning")
        for header in table.ignored_headers
    ]
    issues += [
        make_issue("colonne_personnelle", row=1, column=h, value=h)
        for h in personal_columns(table.ignored_headers)
    ]
    issues += [
        make_issue(rule, row=row, column=header, detail=str(MAX_SCANNED_CHARS))
        for row, header, rule in table.personal_cells
    ]
    for rule, column, index, value, detail in raw:
        written = table.headers.get(column, column)
        shown = None if not _present(value) else _format_value(value)
        severity: Severity = "warning" if rule in WARNING_RULES else "error"
        issues.append(
            make_issue(
                rule, row=numbers[index], column=written, value=shown, detail=detail, severity=severity
            )
        )
    issues += _habit_warnings(table, restored)
    for index, value, median in unusual:
        issues.append(
            make_issue(
                "valeur_inhabituelle",
                row=numbers[index],
                column=table.headers.get("valeur", "valeur"),
                value=_format_value(value),
                detail=_format_value(median),
                severity="warning",
            )
        )
    issues.sort(key=lambda issue: (issue.row or 0, issue.column or "", issue.rule))
    return tuple(issues)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def to_measurements(data: pl.DataFrame) -> pl.DataFrame:
    """The typed measurement rows of an accepted file, with use case and domain on every row."""
    return data.select(
        pl.col(ROW_COLUMN).alias("source_row"),
        "finess",
        pl.col("cas_usage").alias("use_case"),
        "domain",
        pl.col("indicateur").alias("kpi"),
        pl.col("periode_norm").alias("period"),
        "quarter",
        pl.col("phase_norm").alias("phase"),
        pl.col("valeur_effective").alias("value"),
        pl.col("numerateur_num").alias("numerator"),
        pl.col("denominateur_num").alias("denominator"),
        pl.col("effectif_num").alias("n_patients"),
        pl.col("commentaire").alias("comment"),
    ).cast(MEASUREMENT_SCHEMA)  # type: ignore[arg-type]
