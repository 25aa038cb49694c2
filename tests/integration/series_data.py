"""A chain of releases with known true values (issue 21): T2 → T3 → a late correction (T3 edition 2)
→ T4, published as the programme does, for the attacks of an outsider holding every release.

Cells (reference period 2024-T4, count KPIs without effectif, so plain means of integers):
- ATT_CANDIDATURES: UC01 (6 establishments) gains F03 in T3 and loses F01 in T4 (newcomer, leaver);
  UC02 is stable and F10 corrects its reference value (+97) after T3 is published; UC03 goes from 1 to
  2 establishments (F20, then F21: a withheld newcomer) beside UC04's lone F25 and UC08's three;
  F20 also sends a one-row correction of its T3 value.
- EFF_PATIENTS_JOUR × UC05: F08 has no reference value (two populations in one row).
- ECO_PATIENTS_CONCERNES × UC06: F30 holds 96 % of the patients (a dominated count).
- ECO_DEPENSES_EVITEES × UC07: F34, second largest, knows its own amount (the p % rule).

A second chain (`build_roi_chain`, T2 → T3, pilot quarters only) links the ROI to the euro KPIs: in
UC09, F50 holds 94 % of the new revenue (ECO_RECETTES_NOUVELLES withheld, dominance) while the
avoided expenses, the costs and the pooled ROI of UC09 (over gains = avoided + revenue) pass every
rule of their own tables; UC10 has three ordinary members.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from golden_data import Row, submit

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.writer import render_quarter_site
from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

QUARTERS = ("2025-T2", "2025-T3", "2025-T4")
REFERENCE = "2024-T4"
F = {i: f"6910000{i:02d}" for i in range(60)}
HEADER = b"finess,cas_usage,indicateur,periode,phase,valeur,numerateur,denominateur,effectif\n"

# (use case, KPI) -> {establishment: reference value or None}, and the quarters each one is in
BASELINES: dict[tuple[str, str], dict[int, int | None]] = {
    ("UC01", "ATT_CANDIDATURES"): {0: 310, 1: 251, 2: 190, 3: 281, 4: 205, 9: 330, 36: 270},
    ("UC02", "ATT_CANDIDATURES"): {10: 120, 11: 135, 12: 150, 13: 160, 14: 175},
    ("UC03", "ATT_CANDIDATURES"): {20: 240, 21: 205},
    ("UC04", "ATT_CANDIDATURES"): {25: 222},
    ("UC08", "ATT_CANDIDATURES"): {15: 140, 16: 170, 17: 155},
    ("UC05", "EFF_PATIENTS_JOUR"): {5: 40, 6: 52, 7: 61, 8: None},
    ("UC06", "ECO_PATIENTS_CONCERNES"): {30: 9000, 31: 250, 32: 180},
}
AMOUNTS = {33: 50000, 34: 30000, 35: 2000}  # ECO_DEPENSES_EVITEES × UC07, every pilot quarter
MEMBERS = {  # quarters each establishment of a changing cell reports in (others: every quarter)
    ("UC01", 1): QUARTERS[:2],
    ("UC01", 3): QUARTERS[1:],
    ("UC03", 21): QUARTERS[1:],
}
NEWCOMER, LEAVER, WITHHELD_NEWCOMER = (F[3], 281), (F[1], 251), (F[21], 205)
HELD = (F[10], 97)  # the reference correction held in T3 edition 2
LONE_CORRECTION = (F[20], "UC03", "ATT_CANDIDATURES", "2025-T3", "pilote", 333)


def pilot_value(use_case: str, number: int, quarter_index: int, baseline: int | None) -> int:
    """A pilot value that moves every quarter; every UC02 member improves (a share of 1)."""
    start = baseline if baseline is not None else 45 + number
    step = 7 + (number * 13 + quarter_index * 5) % 11
    return start + step if use_case in ("UC02", "UC06") else start + step - 9


def quarter_rows(quarter_index: int) -> list[Row]:
    quarter = QUARTERS[quarter_index]
    rows: list[Row] = []
    for (use_case, kpi), members in BASELINES.items():
        for number, baseline in members.items():
            if quarter not in MEMBERS.get((use_case, number), QUARTERS):
                continue
            finess = F[number]
            first = quarter == MEMBERS.get((use_case, number), QUARTERS)[0]
            if baseline is not None and first:  # sent once, with the establishment's first quarter
                rows.append((finess, use_case, kpi, REFERENCE, "reference", baseline, None, None, None))
            value = pilot_value(use_case, number, quarter_index, baseline)
            rows.append((finess, use_case, kpi, quarter, "pilote", value, None, None, None))
    for number, amount in AMOUNTS.items():
        value = amount + 100 * quarter_index
        rows.append((F[number], "UC07", "ECO_DEPENSES_EVITEES", quarter, "pilote", value, None, None, None))
    return rows


def file_bytes(rows: list[Row]) -> bytes:
    """The file as the template writes it (the bytes whose sha256 the warehouse keeps)."""
    lines = [",".join("" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row)
             for row in rows]  # fmt: skip
    return HEADER + "".join(line + "\n" for line in lines).encode()


def submit_file(con, name: str, received_at: datetime, rows: list[Row]) -> None:  # type: ignore[no-untyped-def]
    submit(con, name, received_at, rows, hashlib.sha256(file_bytes(rows)).hexdigest())


@dataclass
class Chain:
    """Every published release of the chain: (quarter, edition) -> its benchmark rows and site folder."""

    root: Path
    releases: dict[tuple[str, int], Path] = field(default_factory=dict)

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def settings(self) -> Settings:
        return Settings(data_root=self.root)


def publish(chain: Chain, quarter: str, rules: Rules) -> None:
    with open_warehouse(chain.settings.warehouse_path) as con:
        number = freeze_edition(con, quarter, rules).edition.number
    render_quarter_site(chain.settings.warehouse_path, quarter, chain.site, chain.settings, number)
    target = chain.site / quarter
    kept = chain.root / "kept" / quarter / str(number)  # what an outsider downloaded that day
    kept.mkdir(parents=True)
    for name in ("data/benchmark.csv", "data/roi.csv", "manifest.json"):
        (kept / name).parent.mkdir(parents=True, exist_ok=True)
        (kept / name).write_bytes((target / name).read_bytes())
    chain.releases[(quarter, number)] = kept


def new_chain(root: Path) -> Chain:
    chain = Chain(root)
    with open_warehouse(chain.settings.warehouse_path) as con:
        sync_catalogue(con, default_catalogue())
    return chain


def submit_quarter(chain: Chain, quarter: str, rows: list[Row], month: int) -> None:
    """One file per establishment, received on day 1, 2, … of `month` (13 is January of 2026)."""
    with open_warehouse(chain.settings.warehouse_path) as con:
        for day, finess in enumerate(sorted({row[0] for row in rows}), start=1):
            mine = [row for row in rows if row[0] == finess]
            received = datetime(2025 + (month > 12), (month - 1) % 12 + 1, day, 9)
            submit_file(con, f"{finess}-{quarter}.csv", received, mine)


def build_chain(root: Path, rules: Rules) -> Chain:
    """Submit and publish T2, T3, the late corrections (T3 edition 2), then T4."""
    chain = new_chain(root)
    for index, quarter in enumerate(QUARTERS):
        submit_quarter(chain, quarter, quarter_rows(index), month=7 + 3 * index)
        publish(chain, quarter, rules)
        if quarter == "2025-T3":
            correct_late(chain)
            publish(chain, quarter, rules)
    return chain


def correct_late(chain: Chain) -> None:
    """F10 corrects its reference value (+97) and F20 its T3 value, after T3 is published."""
    finess, change = HELD
    baseline = BASELINES[("UC02", "ATT_CANDIDATURES")][10]
    assert baseline is not None
    reference: Row = (finess, "UC02", "ATT_CANDIDATURES", REFERENCE, "reference", baseline + change, None,
                      None, None)  # fmt: skip
    lone: Row = (*LONE_CORRECTION, None, None, None)  # type: ignore[assignment]
    with open_warehouse(chain.settings.warehouse_path) as con:
        submit_file(con, "correction-reference.csv", datetime(2025, 11, 20, 14), [reference])
        submit_file(con, "correction.csv", datetime(2025, 11, 21, 9), [lone])


ROI_QUARTERS = QUARTERS[:2]
EURO = ("ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_COUT_SOLUTION")
ROI_AMOUNTS: dict[str, dict[int, tuple[int, int, int]]] = {  # (avoided, revenue, cost) per pilot quarter
    "UC09": {50: (40000, 90000, 20000), 51: (35000, 3000, 18000), 52: (30000, 2000, 15000)},
    "UC10": {53: (25000, 20000, 12000), 54: (28000, 24000, 14000), 55: (31000, 18000, 16000)},
}
DOMINANT_REVENUE = ("UC09", "ECO_RECETTES_NOUVELLES")


def roi_amount(use_case: str, number: int, kpi: str, quarter_index: int) -> int:
    return ROI_AMOUNTS[use_case][number][EURO.index(kpi)] + 500 * quarter_index + 10 * number


def roi_rows(quarter_index: int) -> list[Row]:
    quarter = ROI_QUARTERS[quarter_index]
    return [
        (F[number], use_case, kpi, quarter, "pilote", roi_amount(use_case, number, kpi, quarter_index), None, None,
         None)
        for use_case, members in ROI_AMOUNTS.items()
        for number in members
        for kpi in EURO
    ]  # fmt: skip


def true_cell_sum(use_case: str, kpi: str, quarter: str) -> int:
    """Σ of a euro KPI over a use case's members in one quarter: what the cell's mean rests on."""
    index = ROI_QUARTERS.index(quarter)
    return sum(roi_amount(use_case, number, kpi, index) for number in ROI_AMOUNTS[use_case])


def build_roi_chain(root: Path, rules: Rules) -> Chain:
    """Submit and publish the euro amounts of UC09 and UC10 for T2, then T3."""
    chain = new_chain(root)
    for index, quarter in enumerate(ROI_QUARTERS):
        submit_quarter(chain, quarter, roi_rows(index), month=7 + 3 * index)
        publish(chain, quarter, rules)
    return chain
