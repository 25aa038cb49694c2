"""An outsider's attacks on a series of releases (issue 21), as plain functions.

The attacker holds every published quarter and edition (data/benchmark.csv and manifest.json of each,
as downloaded the day it came out); the participant also knows its own value. Each attack returns what
it recovered; the tests compare it with the true values of tests/integration/series_data.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from attacks import Rows, number, published, read_rows

Release = tuple[str, int]  # (quarter, edition)
INTEGER_KINDS = ("count",)


def read_series(releases: dict[Release, Path]) -> dict[Release, Rows]:
    return {release: read_rows(folder / "data" / "benchmark.csv") for release, folder in releases.items()}


def in_order(series: dict[Release, Rows]) -> list[tuple[Release, Rows]]:
    return sorted(series.items())


def baseline_sum(row: dict[str, str]) -> float | None:
    """n × baseline mean: the Σ of the members' reference values a plain mean gives away (every member
    of a count KPI cell having a reference value, as the attacker assumes)."""
    mean = number(row, "baseline_mean")
    if mean is None or row["kind"] not in INTEGER_KINDS:
        return None
    return int(row["n_experimentations"]) * mean


def cell_rows(series: dict[Release, Rows], key: tuple[str, str]) -> list[tuple[Release, dict[str, str]]]:
    return [(release, row) for release, rows in in_order(series) for row in published(rows)
            if (row["use_case"], row["kpi"]) == key]  # fmt: skip


BaselineStep = tuple[Release, dict[str, str], float | None]


def baseline_steps(
    series: dict[Release, Rows],
) -> Iterator[tuple[tuple[str, str], BaselineStep, BaselineStep]]:
    """Each cell's baseline sum in two successive releases where it is known, cell by cell in order."""
    keys = {(row["use_case"], row["kpi"]) for rows in series.values() for row in rows}
    for key in sorted(keys):
        known = [(release, row, baseline_sum(row)) for release, row in cell_rows(series, key)]
        known = [(release, row, total) for release, row, total in known if total is not None]
        for before, after in itertools.pairwise(known):
            yield key, before, after


def newcomers_and_leavers(series: dict[Release, Rows]) -> dict[tuple[str, str, Release, Release], int]:
    """Fixed baselines differenced across releases: a cell that gained or lost 1 or 2 members gives
    their Σ reference value (negative for leavers), to the unit for an integer-valued KPI."""
    found = {}
    for key, (first, old, before), (second, new, after) in baseline_steps(series):
        moved = int(new["n_experimentations"]) - int(old["n_experimentations"])
        if 1 <= abs(moved) <= 2 and before is not None and after is not None:
            found[(*key, first, second)] = round(after - before)
    return found


def hidden_through_ensemble(series: dict[Release, Rows]) -> dict[tuple[str, Release, Release], int]:
    """ENSEMBLE minus the published use cases is the Σ reference value of the withheld ones; across two
    releases where 1 or 2 withheld members joined, the difference is theirs."""
    hidden: dict[str, list[tuple[Release, int, float]]] = {}
    for release, rows in in_order(series):
        for total in published(rows):
            whole = baseline_sum(total)
            if total["use_case"] != "ENSEMBLE" or whole is None:
                continue
            parts = [r for r in rows if r["kpi"] == total["kpi"] and r["use_case"] != "ENSEMBLE"]
            shown = [baseline_sum(r) if r["withheld"] == "false" else None for r in parts]
            if any(s is None and r["withheld"] == "false" for s, r in zip(shown, parts, strict=True)):
                continue  # a published part without its sum: nothing to subtract
            count = int(total["n_experimentations"]) - sum(
                int(r["n_experimentations"]) for r, s in zip(parts, shown, strict=True) if s is not None
            )
            rest = whole - sum(s for s in shown if s is not None)
            hidden.setdefault(total["kpi"], []).append((release, count, rest))
    found = {}
    for kpi, steps in hidden.items():
        for (first, n1, s1), (second, n2, s2) in itertools.pairwise(steps):
            if 1 <= n2 - n1 <= 2:
                found[(kpi, first, second)] = round(s2 - s1)
    return found


def held_corrections_undone(series: dict[Release, Rows]) -> dict[tuple[str, str, Release, Release], int]:
    """A cell whose members did not change but whose baseline moved between two releases gives the
    change of the establishment that corrected its reference value."""
    found = {}
    for key, (first, old, before), (second, new, after) in baseline_steps(series):
        same = old["n_experimentations"] == new["n_experimentations"]
        if same and before is not None and after is not None and round(after - before) != 0:
            found[(*key, first, second)] = round(after - before)
    return found


def two_populations(series: dict[Release, Rows]) -> dict[tuple[str, str, Release], float]:
    """n·pilot_mean − (n − 1)·(baseline_mean + mean_change): the pilot value of the one member without
    a reference value, when the pilot mean is over all n and the others over the n − 1 with one (to the
    unit: the KPI is integer-valued)."""
    found = {}
    for release, rows in in_order(series):
        for row in published(rows):
            pilot, base, change = (number(row, c) for c in ("pilot_mean", "baseline_mean", "mean_change"))
            n = int(row["n_experimentations"])
            if row["kind"] in INTEGER_KINDS and None not in (pilot, base, change) and n >= 2:
                assert pilot is not None and base is not None and change is not None
                found[(row["use_case"], row["kpi"], release)] = float(
                    round(n * pilot - (n - 1) * (base + change))
                )
    return found


def largest_from_total(series: dict[Release, Rows], key: tuple[str, str], own: float = 0.0) -> list[float]:
    """n × pilot mean (minus the participant's own value): an upper bound of the largest member that is
    close when it dominates the cell, or when the participant is the second largest (p % rule)."""
    return [int(row["n_experimentations"]) * number(row, "pilot_mean") - own  # type: ignore[operator]
            for _, row in cell_rows(series, key) if number(row, "pilot_mean") is not None]  # fmt: skip


SHARES = ("share_improved", "share_threshold_met", "share_positive")


def group_disclosures(rows_of_every_release: Iterable[Rows], below: int = 10) -> list[tuple[str, str, str]]:
    """Shares of 0 or 1 in cells under `below` experimentations: every member's direction shows."""
    found = []
    for rows in rows_of_every_release:
        for row in published(rows):
            for column in SHARES:
                value = number(row, column)
                if value in (0.0, 1.0) and int(row["n_experimentations"]) < below:
                    found.append((row["quarter"], row["use_case"], row.get("kpi", "ROI")))
    return found


def manifest_hashes(folder: Path) -> set[str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {entry["sha256"] for entry in manifest.get("inputs", [])}


def hash_one_row_corrections(
    releases: dict[Release, Path], finesses: list[str], header: bytes, values: range
) -> list[tuple[str, str, str, int]]:
    """With the correction_pending flag and the template's bytes, hash every one-row correction of a
    pending cell (each FINESS, each value) and look for it among the manifests' input hashes."""
    hashes = set().union(*(manifest_hashes(folder) for folder in releases.values()))
    found = []
    for (quarter, _), folder in sorted(releases.items()):
        rows = read_rows(folder / "data" / "benchmark.csv")
        pending = {(r["use_case"], r["kpi"]) for r in rows if r["correction_pending"] == "true"}
        for use_case, kpi in sorted(pending - {(u, k) for u, k in pending if u == "ENSEMBLE"}):
            for finess in finesses:
                prefix = header + f"{finess},{use_case},{kpi},{quarter},pilote,".encode()
                for value in values:
                    if hashlib.sha256(prefix + f"{value},,,\n".encode()).hexdigest() in hashes:
                        found.append((finess, use_case, kpi, value))
    return sorted(set(found))


EURO = ("ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_COUT_SOLUTION")
GAINS, COST = EURO[:2], EURO[2:]


def national(rows: Rows) -> Rows:
    return [row for row in rows if row.get("peer_group", "national") in ("national", "")]


def roi_euro_bounds(
    releases: dict[Release, Path], target: tuple[str, str, str], maxima: dict[str, float]
) -> tuple[float, float]:
    """One linear programme (HiGHS) over everything published: unknowns are the Σ of each euro KPI per
    (use case, quarter); every published euro mean gives its Σ within n × 0.5 € (euros to the euro),
    ENSEMBLE = Σ use cases, and every published pooled ROI r of a quarter Q gives
    (r ± 0.005) × Σ costs = Σ gains − Σ costs over the pilot quarters up to Q. Returns the smallest and
    largest value of `target` = (KPI, use case, quarter) they allow."""
    from scipy.optimize import linprog

    bench = {
        release: national(read_rows(folder / "data" / "benchmark.csv"))
        for release, folder in releases.items()
    }
    roi = {release: national(read_rows(folder / "data" / "roi.csv")) for release, folder in releases.items()}
    quarters = sorted({quarter for quarter, _ in releases})
    sizes: dict[tuple[str, str, str], int] = {}
    for (quarter, _), rows in bench.items():
        for row in rows:
            if row["kpi"] in EURO:
                sizes[(row["kpi"], row["use_case"], quarter)] = int(row["n_experimentations"])
    names = sorted(sizes)
    index = {name: i for i, name in enumerate(names)}
    upper: list[list[float]] = []
    rhs: list[float] = []

    def at_most(terms: dict[int, float], value: float) -> None:
        row = [0.0] * len(names)
        for i, c in terms.items():
            row[i] += c
        upper.append(row)
        rhs.append(value)

    for (quarter, _), rows in bench.items():
        for row in published(rows):
            mean = number(row, "pilot_mean")
            if row["kpi"] in EURO and mean is not None:
                n, i = int(row["n_experimentations"]), index[(row["kpi"], row["use_case"], quarter)]
                at_most({i: 1.0}, n * (mean + 0.5))
                at_most({i: -1.0}, -n * (mean - 0.5))
    for kpi in EURO:
        for quarter in quarters:
            parts = [
                name for name in names if name[0] == kpi and name[2] == quarter and name[1] != "ENSEMBLE"
            ]
            if (kpi, "ENSEMBLE", quarter) in index:
                terms = {index[(kpi, "ENSEMBLE", quarter)]: 1.0, **{index[p]: -1.0 for p in parts}}
                at_most(terms, 0.0)
                at_most({i: -c for i, c in terms.items()}, 0.0)
    for (quarter, _), rows in roi.items():
        for row in published(rows):
            ratio = number(row, "roi_pooled")
            if ratio is None:
                continue
            so_far = [q for q in quarters if q <= quarter]
            gains = [
                index[(k, row["use_case"], q)]
                for k in GAINS
                for q in so_far
                if (k, row["use_case"], q) in index
            ]
            costs = [
                index[(k, row["use_case"], q)]
                for k in COST
                for q in so_far
                if (k, row["use_case"], q) in index
            ]
            for sign, r in ((1.0, ratio + 0.005), (-1.0, ratio - 0.005)):
                terms = {i: sign for i in gains}
                for i in costs:
                    terms[i] = terms.get(i, 0.0) - sign * (1 + r)
                at_most(terms, 0.0)
    bounds = [(0.0, sizes[name] * maxima[name[0]]) for name in names]
    ends = []
    for sign in (1.0, -1.0):
        objective = np.zeros(len(names))
        objective[index[target]] = sign
        result = linprog(objective, A_ub=np.array(upper), b_ub=np.array(rhs), bounds=bounds, method="highs")
        assert result.status == 0, result.message
        ends.append(sign * result.fun)
    return ends[0], ends[1]
