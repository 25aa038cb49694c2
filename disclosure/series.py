"""Publication rules v3 across quarters: baselines are fixed reference periods, so the same cell's
baseline statistics published in two quarters differ only by who joined or left it (and by late
corrections). Differencing them would give the few newcomers' or leavers' own baselines.

The rule (docs/methodology.md, setting `min_series_change`), for each cell's baseline mean, mean
change and baseline median (a median of fixed values shifts onto a newcomer's own value), against every earlier publication of the cell in other quarters (their baseline populations
are kept per edition in `edition_baseline_population`):
- same members as the cell's latest earlier publication: its published baseline mean is kept (a
  correction held there stays held), and the mean change is the new pilot mean minus that figure;
  withheld if it was withheld;
- otherwise new figures only when at least `min_series_change` establishments joined or left since
  every earlier publication; else both are withheld.
ENSEMBLE minus the use cases publishing a baseline is the baseline of the others together: ENSEMBLE
publishes a new baseline only when those others are at least `min_establishments` establishments and
moved by at least `min_series_change` since every earlier such remainder ('ENSEMBLE~' records), or
when there are none and no use case kept an earlier figure (a kept figure hides a held correction
that ENSEMBLE minus the kept figure would give back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from disclosure.cell_inputs import QuarterInputs
from disclosure.rules import Rules
from warehouse.queries import fetch_dicts

TOTAL = "ENSEMBLE"
REMAINDER = "ENSEMBLE~"  # ENSEMBLE minus the use cases that publish a baseline (never published)
CellKey = tuple[str, str]  # (use case, kpi)
Populations = dict[CellKey, frozenset[str]]  # members '<use case>/<finess>' having a reference value


@dataclass(frozen=True)
class BaselineRecord:
    """A cell's baseline population in one earlier edition, and the baseline mean it published."""

    quarter: str
    edition: int
    members: frozenset[str]
    baseline_mean: float | None
    peer_group: str | None = None  # the group of a peer-group row, None for the national row


History = dict[CellKey, list[BaselineRecord]]


def series_reason(rules: Rules) -> str:
    return (
        f"référence non republiée : moins de {rules.min_series_change} établissements entrés ou sortis "
        "depuis sa dernière publication"
    )


def read_history(con: duckdb.DuckDBPyConnection, quarter: str) -> History:
    """The baseline populations of every edition, oldest first (`quarter`'s own editions included: a new
    edition of it keeps what an earlier one published for the same members)."""
    history: History = {}
    for row in fetch_dicts(con, "baseline_history", {"quarter": quarter}):
        record = BaselineRecord(
            row["quarter"], row["edition"], frozenset(row["members"]), row["baseline_mean"]
        )
        history.setdefault((row["use_case"], row["kpi"]), []).append(record)
    return history


def read_group_history(con: duckdb.DuckDBPyConnection, quarter: str) -> History:
    """The baseline populations of every edition's peer-group rows, oldest first (every group)."""
    history: History = {}
    for row in fetch_dicts(con, "group_baseline_history", {"quarter": quarter}):
        record = BaselineRecord(
            row["quarter"], row["edition"], frozenset(row["members"]), row["baseline_mean"], row["peer_group"]
        )
        history.setdefault((row["use_case"], row["kpi"]), []).append(record)
    return history


def history_of(
    con: duckdb.DuckDBPyConnection, quarter: str, inputs: QuarterInputs | None, groups: bool = False
) -> History:
    """read_history (or read_group_history), read once per edition: kept with the quarter's inputs,
    which the national and the peer-group tables of one freeze share (nothing is written between them)."""
    read, name = (read_group_history, "group_history") if groups else (read_history, "history")
    if inputs is None:
        return read(con, quarter)
    if name not in inputs.memo:
        inputs.memo[name] = read(con, quarter)
    return inputs.memo[name]  # type: ignore[no-any-return]


def establishments(members: Iterable[str]) -> set[str]:
    return {member.split("/", 1)[1] for member in members}


def moved(now: frozenset[str], before: frozenset[str]) -> int:
    """How many establishments joined or left between two populations."""
    return len(establishments(now ^ before))


def decide(
    population: frozenset[str],
    records: list[BaselineRecord],
    quarter: str,
    rules: Rules,
    current_mean: float | None = None,
) -> tuple[str, float | None]:
    """('new', None), ('keep', the earlier mean) or ('withhold', None) for a cell's baseline figures.

    A new edition of `quarter` with the members of its latest edition says again what that edition said
    (its figures were audited against everything published since): new figures if it published the
    mean computed now, the mean it kept, or nothing. Otherwise the other quarters decide."""
    own = [r for r in records if r.quarter == quarter]
    records = [r for r in records if r.quarter != quarter]
    if own and population == own[-1].members:
        said = own[-1].baseline_mean
        if said is None:
            return "withhold", None
        before = [r for r in records if r.quarter < quarter]
        if before and before[-1].members == population and before[-1].baseline_mean == said:
            return "keep", said  # it kept an earlier quarter's figure: keep it the same way
        return ("new", None) if said == current_mean else ("keep", said)
    if not records:
        return "new", None
    earlier = [r for r in records if r.quarter < quarter] or records
    latest = earlier[-1]
    if population == latest.members:
        return ("keep", latest.baseline_mean) if latest.baseline_mean is not None else ("withhold", None)
    if all(moved(population, r.members) >= rules.min_series_change for r in records):
        return "new", None
    return "withhold", None


def without_baseline(cell: Any, reason: str) -> Any:
    """The row without its baseline figures (mean, median, change): `reason` says why, unless the row
    already gives one. Its pilot figures stay."""
    return replace(cell, baseline_mean=None, mean_change=None, baseline_median=None,
                   linear_withheld_reason=cell.linear_withheld_reason or reason)  # fmt: skip


def kept(cell: Any, mean: float, decimals: int) -> Any:
    change = None if cell.pilot_mean is None else round(cell.pilot_mean - mean, decimals) + 0.0
    # the median is not repeated: for the same members it moves only with a held correction
    return replace(cell, baseline_mean=mean, mean_change=change, baseline_median=None)


def apply_series_rule(
    cells: list[Any], populations: Populations, history: History, quarter: str, rules: Rules
) -> tuple[list[Any], Populations]:
    """The benchmark rows after the series rule, and the populations to record (with the remainders)."""
    out, verdicts = [], {}
    for cell in cells:
        key = (cell.use_case, cell.kpi)
        if (
            cell.withheld
            or (cell.baseline_mean is None and cell.baseline_median is None)
            or cell.use_case == TOTAL
        ):
            out.append(cell)
            continue
        verdict, mean = decide(
            populations.get(key, frozenset()), history.get(key, []), quarter, rules, cell.baseline_mean
        )
        if cell.baseline_mean is None:  # a median only (dominated means): published for new members only
            out.append(cell if verdict == "new" else replace(cell, baseline_median=None))
            continue
        verdicts[key] = verdict
        decimals = 0 if cell.unit == "€" else 1
        out.append(cell if verdict == "new" else kept(cell, mean, decimals) if mean is not None
                   else without_baseline(cell, series_reason(rules)))  # fmt: skip
    recorded = dict(populations)
    final = []
    for cell in out:
        if cell.use_case == TOTAL:
            cell, remainder = total_after_rule(cell, out, populations, history, verdicts, quarter, rules)
            recorded[(REMAINDER, cell.kpi)] = remainder
        final.append(cell)
    return final, recorded


def total_after_rule(
    cell: Any,
    rows: list[Any],
    populations: Populations,
    history: History,
    verdicts: dict[CellKey, str],
    quarter: str,
    rules: Rules,
) -> tuple[Any, frozenset[str]]:
    """The ENSEMBLE row after the series rule, and the remainder its baseline would give away."""
    key = (TOTAL, cell.kpi)
    shown = [r for r in rows if r.kpi == cell.kpi and r.use_case != TOTAL and r.baseline_mean is not None]
    covered = frozenset().union(*(populations.get((r.use_case, r.kpi), frozenset()) for r in shown))
    remainder = populations.get(key, frozenset()) - covered
    if cell.withheld or (cell.baseline_mean is None and cell.baseline_median is None):
        return cell, remainder
    verdict, mean = decide(
        populations.get(key, frozenset()), history.get(key, []), quarter, rules, cell.baseline_mean
    )
    if cell.baseline_mean is None:  # a median only (dominated means): published for new members only
        return (cell if verdict == "new" else replace(cell, baseline_median=None)), remainder
    if verdict == "keep" and mean is not None:
        return kept(cell, mean, 0 if cell.unit == "€" else 1), remainder
    if verdict != "new":  # withheld, or kept as withheld
        return without_baseline(cell, series_reason(rules)), remainder
    remainders = history.get((REMAINDER, cell.kpi), [])
    own = [r for r in remainders if r.quarter == quarter]
    if own and remainder == own[-1].members:  # as this quarter's latest edition, which published it
        return cell, remainder
    any_kept = any(verdicts.get((r.use_case, r.kpi)) == "keep" for r in shown)
    earlier = [r for r in remainders if r.quarter != quarter]
    safe = (not remainder and not any_kept) or (
        len(establishments(remainder)) >= rules.min_establishments
        and all(moved(remainder, r.members) >= rules.min_series_change for r in earlier)
    )
    return (cell if safe else without_baseline(cell, series_reason(rules))), remainder


def apply_to_group(
    cell: Any,
    population: frozenset[str],
    national: Any | None,
    national_population: frozenset[str],
    history: History,
    groups: History,
    quarter: str,
    rules: Rules,
) -> Any:
    """A peer group's row after the series rule, against every earlier publication of the cell in other
    quarters, national and peer-group rows alike (a group's own two quarters differenced give its few
    newcomers' or leavers' baselines, as a national figure minus the group's gives the others'):
    - with the national members it says what the national row says (its baseline figures kept or
      withheld);
    - with the members of an earlier row it says what the latest such row said (its baseline mean kept,
      so a correction held there stays held, or withheld);
    - otherwise new baseline figures only when at least `min_series_change` establishments separate it
      from every earlier national row and every earlier group row that published a baseline."""
    if cell.withheld or (cell.baseline_mean is None and cell.baseline_median is None):
        return cell
    if national is not None and population == national_population:
        return replace(cell, baseline_mean=national.baseline_mean, mean_change=national.mean_change,
                       baseline_median=national.baseline_median,
                       linear_withheld_reason=cell.linear_withheld_reason
                       or (national.linear_withheld_reason if national.baseline_mean is None else None))  # fmt: skip
    key = (cell.use_case, cell.kpi)
    nation = [r for r in history.get(key, []) if r.quarter != quarter]
    rows = [r for r in groups.get(key, []) if r.quarter != quarter]
    same = sorted(
        (r for r in (*nation, *rows) if r.members == population), key=lambda r: (r.quarter, r.edition)
    )
    if same and cell.baseline_mean is not None:
        said = same[-1].baseline_mean
        return (
            kept(cell, said, 0 if cell.unit == "€" else 1)
            if said is not None
            else without_baseline(cell, series_reason(rules))
        )
    earlier = [*nation, *(r for r in rows if r.baseline_mean is not None)]
    if all(moved(population, r.members) >= rules.min_series_change for r in earlier):
        return cell
    if cell.baseline_mean is None:  # a median only (dominated means)
        return replace(cell, baseline_median=None)
    return without_baseline(cell, series_reason(rules))


def population_rows(quarter: str, number: int, populations: Populations) -> list[dict[str, Any]]:
    """The rows to record (ENSEMBLE's population is the union of its use cases': not stored)."""
    return [
        {"quarter": quarter, "edition": number, "use_case": use_case, "kpi": kpi, "member": member}
        for (use_case, kpi), members in sorted(populations.items())
        if use_case != TOTAL
        for member in sorted(members)
    ]
