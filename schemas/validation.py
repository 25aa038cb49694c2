"""Check a submitted table against the contract: the GE suite, then the rules GE cannot express.

Returns a verdict with every issue located (row, column as written, rule, value) and, when the file
is acceptable, the typed measurements ready to load.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pandas as pd
import polars as pl

from schemas.catalogue import Catalogue
from schemas.columns import COLUMN_NAMES, normalize_phase
from schemas.expectations import validator_for
from schemas.finess import has_valid_format, is_valid_finess
from schemas.messages import Issue, make_issue
from schemas.periods import is_in_future, parse_period
from tlkpi.reading import ROW_COLUMN, SubmittedTable

FILE_COLUMN = "_file"  # which file of a batch a row comes from
VALUE_SOURCE = {"valeur": "valeur_effective"}  # shown when the user left the cell empty
NUMERIC_COLUMNS = ("valeur", "numerateur", "denominateur", "effectif")
INTEGER_COLUMNS = ("numerateur", "denominateur", "effectif")
RATE_TOLERANCE = 0.05 + 1e-9  # a rate may be rounded to one decimal
UNUSUAL_RATIO = 3.0  # a value 3x above or below the establishment's history is worth a second look
UNUSUAL_SHARE_OF_RANGE = 0.1  # ... when it also moves by a tenth of the KPI's plausible range
History = Mapping[tuple[str, str, str, str], float]  # (finess, use case, KPI, phase) -> median value
_SPACES = re.compile(r"[\s\u00a0\u202f]")
# A file repeats few distinct codes and periods over many rows: parse each distinct text once.
_period = lru_cache(maxsize=4096)(parse_period)
_phase = lru_cache(maxsize=256)(normalize_phase)
_finess_format = lru_cache(maxsize=65536)(has_valid_format)
_finess_key = lru_cache(maxsize=65536)(is_valid_finess)

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
class Verdict:
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


def parse_decimal(text: str | None) -> float | None:
    """'12,5', '12.5', '1 234,5' -> float; None when empty or not a number."""
    if text is None:
        return None
    cleaned = _SPACES.sub("", text).replace(",", ".")
    if not cleaned or cleaned.count(".") > 1:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def prepare(table: SubmittedTable, catalogue: Catalogue) -> pd.DataFrame:
    """The pandas frame the suite runs on: contract columns stripped, plus parsed helper columns."""
    frame = table.frame
    present = [
        pl.col(n).str.strip_chars().replace("", None).alias(n) for n in COLUMN_NAMES if n in frame.columns
    ]
    absent = [pl.lit(None, dtype=pl.String).alias(n) for n in COLUMN_NAMES if n not in frame.columns]
    frame = frame.select(pl.col(ROW_COLUMN), *present, *absent)
    # object columns keep None for empty cells (pandas 3 string columns would turn them into NaN)
    data = pd.DataFrame({name: pd.Series(frame[name].to_list(), dtype=object) for name in COLUMN_NAMES})
    data.insert(0, ROW_COLUMN, frame[ROW_COLUMN].to_list())
    for name in NUMERIC_COLUMNS:
        data[f"{name}_num"] = [parse_decimal(v) for v in data[name]]
        data[f"{name}_num"] = data[f"{name}_num"].astype("float64")
    data["phase_norm"] = _objects(None if v is None else _phase(v) for v in data["phase"])
    periods = [None if v is None else _period(v) for v in data["periode"]]
    data["periode_norm"] = _objects(None if p is None else p.label for p in periods)
    data["quarter"] = _objects(None if p is None else p.quarter_label for p in periods)
    data["pair"] = _objects(
        f"{uc}|{kpi}" if uc in catalogue.use_cases and kpi in catalogue.kpis else None
        for uc, kpi in zip(data["cas_usage"], data["indicateur"], strict=True)
    )
    kpis = [catalogue.kpis.get(code) for code in data["indicateur"]]
    data["kpi_min"] = pd.Series([math.nan if k is None else k.min for k in kpis], dtype="float64")
    data["kpi_max"] = pd.Series([math.nan if k is None else k.max for k in kpis], dtype="float64")
    data["valeur_effective"] = [
        _effective_value(value, num, den, catalogue.kpis.get(kpi) is not None and catalogue.kpis[kpi].is_rate)
        for value, num, den, kpi in zip(
            data["valeur_num"],
            data["numerateur_num"],
            data["denominateur_num"],
            data["indicateur"],
            strict=True,
        )
    ]
    return data


def _objects(values: Iterable[str | None]) -> pd.Series:
    """A text column that keeps None for missing cells (pandas 3 would store NaN in a str column)."""
    return pd.Series(list(values), dtype=object)


def _effective_value(value: float, num: float, den: float, is_rate: bool) -> float:
    """The value as given, else derived from numerator / denominator for a rate."""
    if not math.isnan(value):
        return value
    if is_rate and not math.isnan(num) and not math.isnan(den) and den > 0:
        return round(100 * num / den, 1)
    return math.nan


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


RawIssue = tuple[str, str, int, object, str]  # rule, contract column, row index in the file, value, detail


def code_rule_issues(
    data: pd.DataFrame, catalogue: Catalogue, *, today: date, inbox_finess: str | None
) -> list[RawIssue]:
    """Rules GE cannot express, as (rule, column, frame index, value, detail)."""
    found: list[RawIssue] = []
    for index, row in enumerate(data.itertuples(index=False)):
        finess = row.finess
        if finess is not None and _finess_format(finess):
            if not _finess_key(finess):
                found.append(("finess_cle", "finess", index, finess, ""))
            elif inbox_finess is not None and finess != inbox_finess:
                found.append(("finess_hors_dossier", "finess", index, finess, inbox_finess))
        if row.periode_norm is not None:
            period = _period(row.periode_norm)
            if period is not None and is_in_future(period, today):
                found.append(("periode_future", "periode", index, row.periode, ""))
        for name in NUMERIC_COLUMNS:
            raw, number = getattr(row, name), getattr(row, f"{name}_num")
            if raw is not None and math.isnan(number):
                found.append(("nombre_invalide", name, index, raw, ""))
            elif name in INTEGER_COLUMNS and raw is not None and (number < 0 or not number.is_integer()):
                found.append(("nombre_entier", name, index, raw, ""))
        found.extend(_value_issues(row, index, catalogue))
    return found


def _value_issues(row: object, index: int, catalogue: Catalogue) -> list[RawIssue]:
    kpi = catalogue.kpis.get(row.indicateur)  # type: ignore[attr-defined]
    value, num, den = row.valeur_num, row.numerateur_num, row.denominateur_num  # type: ignore[attr-defined]
    has_num_den = not math.isnan(num) and not math.isnan(den)
    if row.valeur is None and not has_num_den:  # type: ignore[attr-defined]
        return [("valeur_manquante", "valeur", index, None, "")]
    if kpi is None or not kpi.is_rate:
        return []
    if not has_num_den:
        return [("numerateur_requis", "numerateur", index, None, "")]
    if not math.isnan(value) and den > 0 and abs(value - 100 * num / den) > RATE_TOLERANCE:
        return [("taux_incoherent", "valeur", index, row.valeur, f"{100 * num / den:.1f}".replace(".", ","))]  # type: ignore[attr-defined]
    return []


def unusual_values(
    data: pd.DataFrame, catalogue: Catalogue, history: History
) -> list[tuple[int, float, float]]:
    """(row index, value, history median) of values far from what the establishment reported before."""
    found = []
    keys = zip(
        data["finess"],
        data["cas_usage"],
        data["indicateur"],
        data["phase_norm"],
        data["valeur_effective"],
        strict=True,
    )
    for index, (finess, use_case, kpi_code, phase, value) in enumerate(keys):
        median = history.get((finess, use_case, kpi_code, phase))
        kpi = catalogue.kpis.get(kpi_code)
        if median is None or kpi is None or math.isnan(value) or median <= 0 or value <= 0:
            continue
        far = max(value / median, median / value) > UNUSUAL_RATIO
        if far and abs(value - median) > UNUSUAL_SHARE_OF_RANGE * (kpi.max - kpi.min):
            found.append((index, value, median))
    return found


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
) -> Verdict:
    """Every issue of one file, sorted by row; typed measurements when there is no error."""
    return validate_tables([(table, inbox_finess)], catalogue, today=today, history=history)[0]


def validate_tables(
    submitted: Sequence[tuple[SubmittedTable, str | None]],
    catalogue: Catalogue,
    *,
    today: date,
    history: History | None = None,
) -> list[Verdict]:
    """Validate many files with one run of the suite (its fixed cost dominates small files).

    Each item is a table and the FINESS of the inbox folder it came from; verdicts come back in order.
    """
    frames = [
        prepare(table, catalogue).assign(**{FILE_COLUMN: number})
        for number, (table, _) in enumerate(submitted)
    ]
    if not frames:
        return []
    offsets = [0]
    for frame in frames:
        offsets.append(offsets[-1] + len(frame))
    data = pd.concat(frames, ignore_index=True)
    suite_issues: list[list[RawIssue]] = [[] for _ in frames]
    for rule, column, indexes, values in validator_for(catalogue).failures(data):
        for index, value in zip(indexes, values, strict=False):
            number = int(data[FILE_COLUMN][index])
            written = (
                data[VALUE_SOURCE.get(column, column)][index]
                if data[column][index] is None
                else data[column][index]
            )
            detail = (
                _range_detail(catalogue, data["indicateur"][index]) if rule == "valeur_hors_plage" else ""
            )
            suite_issues[number].append(
                (rule, column, index - offsets[number], written if written is not None else value, detail)
            )
    return [
        _verdict(
            table, frame, found, catalogue, today=today, inbox_finess=inbox_finess, history=history or {}
        )
        for (table, inbox_finess), frame, found in zip(submitted, frames, suite_issues, strict=True)
    ]


def _verdict(
    table: SubmittedTable,
    data: pd.DataFrame,
    suite_issues: list[RawIssue],
    catalogue: Catalogue,
    *,
    today: date,
    inbox_finess: str | None,
    history: History,
) -> Verdict:
    rows = data[ROW_COLUMN].tolist()
    issues: list[Issue] = [
        make_issue("colonne_ignoree", row=1, column=header, value=header, severity="warning")
        for header in table.ignored_headers
    ]
    raw = suite_issues + code_rule_issues(data, catalogue, today=today, inbox_finess=inbox_finess)
    for rule, column, index, value, detail in raw:
        written = table.headers.get(column, column)
        shown = None if not _present(value) else _format_value(value)
        issues.append(make_issue(rule, row=rows[index], column=written, value=shown, detail=detail))
    for index, value, median in unusual_values(data, catalogue, history):
        written = table.headers.get("valeur", "valeur")
        detail = _format_value(median)
        issues.append(
            make_issue(
                "valeur_inhabituelle",
                row=rows[index],
                column=written,
                value=_format_value(value),
                detail=detail,
                severity="warning",
            )
        )
    issues.sort(key=lambda issue: (issue.row or 0, issue.column or "", issue.rule))
    has_errors = any(issue.severity == "error" for issue in issues)
    measurements = None if has_errors else to_measurements(data, catalogue)
    return Verdict(tuple(issues), len(data), measurements)


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def to_measurements(data: pd.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """The typed measurement rows of an accepted file, with use case and domain on every row."""
    effectif = data["effectif_num"]
    records = {
        "source_row": data[ROW_COLUMN].tolist(),
        "finess": data["finess"].tolist(),
        "use_case": data["cas_usage"].tolist(),
        "domain": [catalogue.kpis[k].domain for k in data["indicateur"]],
        "kpi": data["indicateur"].tolist(),
        "period": data["periode_norm"].tolist(),
        "quarter": data["quarter"].tolist(),
        "phase": data["phase_norm"].tolist(),
        "value": data["valeur_effective"].tolist(),
        "numerator": [None if math.isnan(v) else v for v in data["numerateur_num"]],
        "denominator": [None if math.isnan(v) else v for v in data["denominateur_num"]],
        "n_patients": [None if math.isnan(v) else int(v) for v in effectif],
        "comment": data["commentaire"].tolist(),
    }
    return pl.DataFrame(records, schema=MEASUREMENT_SCHEMA)
