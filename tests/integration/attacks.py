"""An outsider's attacks on the published open-data files (issue 13), as plain functions.

Each attack reads only published rows (data/benchmark.csv, data/roi.csv as dicts of strings) and, for
the participant's attack, the participant's own values; it returns what it recovered about other
establishments (empty: the attack failed). The tests check the recoveries against the private data.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from itertools import combinations_with_replacement
from math import floor
from pathlib import Path

import numpy as np

Rows = list[dict[str, str]]
QUANTILES = (("pilot_p10", 0.10), ("pilot_p25", 0.25), ("pilot_median", 0.5), ("pilot_p75", 0.75),
             ("pilot_p90", 0.90))  # fmt: skip
Z_95 = 1.959963984540054


def read_rows(path: Path) -> Rows:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))


def published(rows: Rows) -> Rows:
    return [row for row in rows if row["withheld"] == "false"]


def number(row: dict[str, str], name: str) -> float | None:
    text = row.get(name, "")
    return float(text) if text not in ("", None) else None


def quantile_row(n: int, fraction: float) -> np.ndarray:
    """The coefficients of a linear-interpolation quantile on the sorted values x(0..n-1)."""
    rank = fraction * (n - 1)
    low = floor(rank)
    row = np.zeros(n)
    row[low] += 1 - (rank - low)
    if rank > low:
        row[low + 1] += rank - low
    return row


def determined(a: np.ndarray, index: int) -> bool:
    """Whether unknown `index` is fixed by the equations a·x = b (e_index lies in the row space)."""
    if not len(a):
        return False
    unit = np.zeros(a.shape[1])
    unit[index] = 1
    return bool(np.linalg.matrix_rank(np.vstack([a, unit]), tol=1e-9) == np.linalg.matrix_rank(a, tol=1e-9))


def cell_equations(row: dict[str, str], n: int) -> tuple[list[np.ndarray], list[float]]:
    """The linear equations a published cell gives on its sorted pilot values: its quantiles, and its
    mean taken as a plain mean (the attacker's guess when it is not a pooled rate)."""
    a, b = [], []
    for name, fraction in QUANTILES:
        value = number(row, name)
        if value is not None:
            a.append(quantile_row(n, fraction))
            b.append(value)
    mean = number(row, "pilot_mean")
    if mean is not None and row["kind"] != "rate":
        a.append(np.full(n, 1 / n))
        b.append(mean)
    return a, b


def invert_quantiles(rows: Rows, sizes: range = range(3, 10)) -> dict[tuple[str, str], list[float]]:
    """Attack 1: (use case, kpi) -> the pilot values a published cell of 3-9 experimentations gives back
    exactly (those its equations determine)."""
    found = {}
    for row in published(rows):
        n = int(row["n_experimentations"])
        if n not in sizes:
            continue
        a, b = cell_equations(row, n)
        if not a:
            continue
        matrix = np.array(a)
        solution = np.linalg.lstsq(matrix, np.array(b), rcond=None)[0]
        values = [float(solution[i]) for i in range(n) if determined(matrix, i)]
        if values:
            found[(row["use_case"], row["kpi"])] = values
    return found


def wilson(numerator: np.ndarray, denominator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % Wilson interval in percent, vectorised."""
    p = numerator / denominator
    z2 = Z_95**2
    centre = (p + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = Z_95 * np.sqrt(p * (1 - p) / denominator + z2 / (4 * denominator**2)) / (1 + z2 / denominator)
    return 100 * (centre - half), 100 * (centre + half)


def decimals_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def invert_wilson(row: dict[str, str], max_denominator: int = 200_000) -> tuple[int, int] | None:
    """Attack 2, first step: the only (Σnum, Σden) whose pooled rate and Wilson interval, at the
    published precision, are the published ones; None when there are several or none."""
    texts = [row["pooled_rate"], row["pooled_rate_low"], row["pooled_rate_high"]]
    if "" in texts:
        return None
    places = max(decimals_of(text) for text in texts)
    rate, low, high = (float(text) for text in texts)
    tolerance = 0.5 * 10**-places + 1e-9
    denominators = np.arange(1, max_denominator + 1, dtype=float)
    centre = np.round(rate * denominators / 100)
    matches: set[tuple[int, int]] = set()
    for shift in (-1, 0, 1):
        numerators = centre + shift
        ok = (numerators >= 0) & (numerators <= denominators)
        ok &= np.abs(100 * numerators / denominators - rate) <= tolerance
        w_low, w_high = wilson(numerators[ok], denominators[ok])
        fit = (np.abs(w_low - low) <= tolerance) & (np.abs(w_high - high) <= tolerance)
        matches.update(
            zip(
                numerators[ok][fit].astype(int).tolist(),
                denominators[ok][fit].astype(int).tolist(),
                strict=True,
            )
        )
    return matches.pop() if len(matches) == 1 else None


def difference_rates(rows: Rows) -> dict[tuple[str, ...], tuple[int, int]]:
    """Attack 2: per KPI whose ENSEMBLE and published use-case cells all invert, the withheld use cases
    and their Σnum, Σden (ENSEMBLE minus the published cells)."""
    by_kpi: dict[str, Rows] = defaultdict(list)
    for row in rows:
        if row["kind"] == "rate":
            by_kpi[row["kpi"]].append(row)
    found = {}
    for kpi, members in by_kpi.items():
        total = [r for r in members if r["use_case"] == "ENSEMBLE" and r["withheld"] == "false"]
        hidden = [r["use_case"] for r in members if r["use_case"] != "ENSEMBLE" and r["withheld"] == "true"]
        shown = [r for r in members if r["use_case"] != "ENSEMBLE" and r["withheld"] == "false"]
        if not total or not hidden:
            continue
        counts = [invert_wilson(r) for r in [total[0], *shown]]
        if any(count is None for count in counts):
            continue
        whole, *parts = counts
        assert whole is not None
        numerator = whole[0] - sum(c[0] for c in parts if c)
        denominator = whole[1] - sum(c[1] for c in parts if c)
        found[(kpi, *hidden)] = (numerator, denominator)
    return found


def quantile_value(values: list[float], fraction: float) -> float:
    return float(np.quantile(np.array(values), fraction))


def ensemble_against_known(rows: Rows, known: dict[tuple[str, str], list[float]]) -> dict[str, list[float]]:
    """Attack 3: KPI -> values of withheld cells (at most 4) that the ENSEMBLE quantiles fix once the
    values of every published cell are known."""
    found = {}
    for total in published(rows):
        if total["use_case"] != "ENSEMBLE":
            continue
        cells = [r for r in rows if r["kpi"] == total["kpi"] and r["use_case"] != "ENSEMBLE"]
        shown = [r for r in cells if r["withheld"] == "false"]
        missing = sum(int(r["n_experimentations"]) for r in cells if r["withheld"] == "true")
        if not 1 <= missing <= 4 or any(
            len(known.get((r["use_case"], r["kpi"]), [])) != int(r["n_experimentations"]) for r in shown
        ):
            continue
        values = sorted(v for r in shown for v in known[(r["use_case"], r["kpi"])])
        targets = [(number(total, name), fraction) for name, fraction in QUANTILES]
        targets = [(value, fraction) for value, fraction in targets if value is not None]
        solutions = solve_missing(values, missing, targets)
        if solutions:
            found[total["kpi"]] = solutions
    return found


def solve_missing(known: list[float], missing: int, targets: list[tuple[float, float]]) -> list[float]:
    """Values among the `missing` unknowns that the target quantiles fix, whatever the gaps of the
    known values the unknowns fall in (every placement is tried; a value is kept when every placement
    that fits the quantiles fixes it)."""
    if not targets or not known:
        return []
    n = len(known) + missing
    answers = []
    for gaps in combinations_with_replacement(range(len(known) + 1), missing):
        order = placement(known, gaps)
        a, b = [], []
        for value, fraction in targets:
            row, rhs = np.zeros(missing), value
            for position, weight in enumerate(quantile_row(n, fraction)):
                if weight:
                    item = order[position]
                    if isinstance(item, tuple):
                        row[item[0]] += weight
                    else:
                        rhs -= weight * item
            a.append(row)
            b.append(rhs)
        matrix, target = np.array(a), np.array(b)
        solution = np.linalg.lstsq(matrix, target, rcond=None)[0]
        if np.abs(matrix @ solution - target).max() > 1e-4:
            continue
        fixed = tuple(sorted(round(float(solution[i]), 3) for i in range(missing) if determined(matrix, i)))
        if fixes_in_gaps(known, gaps, solution, matrix):
            answers.append(fixed)
    if not answers:
        return []
    common = Counter(answers[0])
    for answer in answers[1:]:
        common &= Counter(answer)
    return sorted(common.elements())


def placement(known: list[float], gaps: tuple[int, ...]) -> list[float | tuple[int]]:
    """The sorted list with unknown number i (as the tuple (i,)) placed before known[gaps[i]]."""
    order: list[float | tuple[int]] = []
    for position in range(len(known) + 1):
        order.extend((i,) for i, gap in enumerate(gaps) if gap == position)
        if position < len(known):
            order.append(known[position])
    return order


def fixes_in_gaps(
    known: list[float], gaps: tuple[int, ...], solution: np.ndarray, matrix: np.ndarray
) -> bool:
    """The determined unknowns lie in the gaps assumed for them."""
    for i, gap in enumerate(gaps):
        if not determined(matrix, i):
            continue
        low = known[gap - 1] if gap > 0 else -np.inf
        high = known[gap] if gap < len(known) else np.inf
        if not low - 1e-6 <= solution[i] <= high + 1e-6:
            return False
    return True


def changed_figures(first: Rows, second: Rows) -> list[tuple[str, str, str]]:
    """Attack 4: (use case, kpi, column) of every published figure that moved between two editions."""

    def key(r: dict[str, str]) -> tuple[str, str, str]:  # a figure of the nation or of a peer group
        return r["use_case"], r.get("kpi", "ROI"), r.get("peer_group", "national")

    before = {key(r): r for r in published(first)}
    moved = []
    for row in published(second):
        old = before.get(key(row))
        if old is None:
            continue
        for column, value in row.items():
            if column in ("edition", "correction_pending") or column.endswith("reason"):
                continue
            if old.get(column) != value and value != "" and old.get(column) != "":
                moved.append((row["use_case"], row.get("kpi", "ROI"), column))
    return moved


def participant_recovers(row: dict[str, str], own: float) -> list[float]:
    """Attack 5: the other members' values a participant recovers from a published cell and its own
    value (tried at every rank); kept when every consistent rank gives the same values."""
    n = int(row["n_experimentations"])
    a, b = cell_equations(row, n)
    if not a:
        return []
    answers = []
    for rank in range(n):
        unit = np.zeros(n)
        unit[rank] = 1
        matrix, rhs = np.array([*a, unit]), np.array([*b, own])
        solution, *_ = np.linalg.lstsq(matrix, rhs, rcond=None)
        sorted_ok = all(solution[i] <= solution[i + 1] + 1e-6 for i in range(n - 1))
        if not sorted_ok or np.abs(matrix @ solution - rhs).max() > 0.06:
            continue
        others = [float(solution[i]) for i in range(n) if i != rank and determined(matrix, i)]
        answers.append(sorted(round(v, 1) for v in others))
    if not answers or any(answer != answers[0] for answer in answers):
        return []
    return answers[0]


def dominated_means(rows: Rows) -> list[tuple[str, str, float]]:
    """Attack 6: the published means (or pooled rates) of cells of few establishments, which the
    attacker takes for the largest establishment's own value."""
    out = []
    for row in published(rows):
        for column in ("pilot_mean", "pooled_rate"):
            value = number(row, column)
            if value is not None and int(row["n_establishments"]) <= 5:
                out.append((row["use_case"], row["kpi"], value))
    return out


def split_counts(row: dict[str, str], rates: list[float]) -> list[tuple[int, int]]:
    """Attack 2, second step: with a cell of 3's (Σnum, Σden) and its members' rates (attack 1), the
    members' own numerators and denominators, when exactly one integer split fits."""
    counts = invert_wilson(row)
    if counts is None or len(rates) != 3:
        return []
    total_num, total_den = counts
    r1, r2, r3 = (rate / 100 for rate in rates)
    if abs(r2 - r3) < 1e-12:
        return []
    fits = []
    for den1 in range(1, total_den - 1):
        den2 = (total_num - r3 * total_den - (r1 - r3) * den1) / (r2 - r3)
        if den2 < 1 or abs(den2 - round(den2)) > 1e-6:
            continue
        den2 = round(den2)
        den3 = total_den - den1 - den2
        split = [(r * d, d) for r, d in ((r1, den1), (r2, den2), (r3, den3))]
        if den3 >= 1 and all(abs(num - round(num)) < 1e-6 for num, _ in split):
            fits.append([(round(num), den) for num, den in split])
            if len(fits) > 1:
                return []
    return fits[0] if fits else []
