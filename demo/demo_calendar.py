"""The demo as a programme's history: five published quarters (2024-T4 to 2025-T4), experimentations
that start and end at different quarters (the calendar in reference/experimentations.csv), and the late
files that make second editions of two quarters.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from demo import demo_writers as files
from demo.demo_records import DemoEstablishment, Experimentation
from demo.demo_writers import DemoRow
from schemas.calendar import CALENDAR_FILE, calendar_table_schema
from schemas.catalogue import default_catalogue
from schemas.periods import Period, parse_period

PROGRAMME = tuple(Period(2024, 4) if i == 0 else Period(2025, i) for i in range(5))  # 2024-T4 .. 2025-T4
BASELINE_QUARTERS = 4  # the fixed reference period: the four quarters before the first pilot quarter
CORRECTED_QUARTER = PROGRAMME[3]  # 2025-T3: three establishments of one use case re-send consolidated values
LATE_QUARTER = PROGRAMME[4]  # 2025-T4: one experimentation's rows come after the quarter was published
CORRECTED_KPIS = ("EFF_DELAI_PEC", "QUA_DMS", "QUA_SATISFACTION")  # no counts to keep consistent
CORRECTION_FACTOR = 0.96


@dataclass(frozen=True)
class LateDrop:
    """The files of the demo's late drop and the quarters they change (to publish again, in order)."""

    files: tuple[str, ...]
    quarters: tuple[str, ...]


def draw_pilot(rng: random.Random) -> tuple[Period, ...]:
    """The pilot quarters of one experimentation: most start with the programme, some join later, a
    few stop before its end; every one reports at least two quarters."""
    draw = rng.random()
    first = 0 if draw < 0.65 else 1 if draw < 0.88 else 2
    draw = rng.random()
    last = 2 if draw < 0.08 else 3 if draw < 0.18 else 4
    return PROGRAMME[first : max(last, first + 1) + 1]


def previous(period: Period, steps: int = 1) -> Period:
    index = period.year * 4 + period.quarter - 1 - steps
    return Period(index // 4, index % 4 + 1)


def baseline_of(pilot: Sequence[Period]) -> tuple[Period, ...]:
    """The reference quarters of an experimentation: the four before its first pilot quarter."""
    return tuple(previous(pilot[0], steps) for steps in range(BASELINE_QUARTERS, 0, -1))


def list_periods(quarters: Sequence[Period], monthly: bool) -> list[str]:
    """Period labels of a phase, in order: quarters, or the months of those quarters."""
    if not monthly:
        return [quarter.label for quarter in quarters]
    return [
        f"{q.year}-{month:02d}" for q in quarters for month in range(3 * q.quarter - 2, 3 * q.quarter + 1)
    ]


def write_register(root: Path, establishments: Sequence[DemoEstablishment]) -> None:
    """reference/establishments.csv: who takes part, and who agreed to be named in public pages."""
    header = ["finess", "name", "category", "region", "public_name"]
    table = [[e.finess, e.name, e.category, e.region, str(e.public_name).lower()] for e in establishments]
    files.write_plain_csv(root / "reference" / "establishments.csv", header, table)


def write_calendar(root: Path, plan: Sequence[Experimentation]) -> None:
    """reference/experimentations.csv (every demo experimentation ends by 2025-T4) and its Table Schema."""
    header = ["finess", "use_case", "start_quarter", "end_quarter"]
    table = sorted(
        [exp.establishment.finess, exp.use_case, exp.pilot[0].label, exp.pilot[-1].label] for exp in plan
    )
    files.write_plain_csv(root / "reference" / CALENDAR_FILE, header, table)
    schema = json.dumps(calendar_table_schema(default_catalogue()), ensure_ascii=False, indent=2)
    (root / "reference" / "experimentations.schema.json").write_bytes((schema + "\n").encode("utf-8"))


def quarter_of(row: DemoRow) -> str | None:
    period = parse_period(row.periode)
    return period.quarter_label if period is not None else None


def held_back(plan: Sequence[Experimentation]) -> Experimentation:
    """The experimentation whose 2025-T4 rows arrive late: the first CH one still running then."""
    return next(e for e in plan if e.establishment.category == "CH" and e.pilot[-1] == LATE_QUARTER)


def hold_back(plan: Sequence[Experimentation], rows: dict[tuple[str, str], dict[str, list[DemoRow]]]) -> None:
    """Take the late experimentation's 2025-T4 rows out of its first pilot file (they come late)."""
    late = held_back(plan)
    pilot = rows[(late.establishment.finess, late.use_case)]
    pilot["pilote"] = [row for row in pilot["pilote"] if quarter_of(row) != LATE_QUARTER.label]


def corrected(plan: Sequence[Experimentation]) -> list[Experimentation]:
    """Three experimentations of one use case running in 2025-T3 that share a corrected KPI."""
    for use_case in sorted({exp.use_case for exp in plan}):
        for kpi in CORRECTED_KPIS:
            found = [
                e for e in plan if e.use_case == use_case and CORRECTED_QUARTER in e.pilot and kpi in e.kpis
            ]
            if len({e.establishment.finess for e in found}) >= 3:
                return found[:3]
    raise AssertionError("no use case has three experimentations to correct")  # the demo's plan is fixed


def correct_rows(rows: Sequence[DemoRow]) -> list[DemoRow]:
    """The quarter's corrected rows: durations and scores re-consolidated 4 % lower."""
    return [
        replace(row, valeur=round(row.valeur * CORRECTION_FACTOR, 1))
        for row in rows
        if row.indicateur in CORRECTED_KPIS
        and row.valeur is not None
        and quarter_of(row) == CORRECTED_QUARTER.label
    ]


def write_late_drop(
    root: Path, plan: Sequence[Experimentation], rows: dict[tuple[str, str], dict[str, list[DemoRow]]]
) -> LateDrop:
    """Write the late files in the inbox: the held-back rows of 2025-T4, and the corrections of 2025-T3."""
    written = []
    late = held_back(plan)
    late_rows = [
        r
        for r in rows[(late.establishment.finess, late.use_case)]["pilote"]
        if quarter_of(r) == LATE_QUARTER.label
    ]
    relative = f"inbox/{late.establishment.finess}/kpi_{late.use_case}_{LATE_QUARTER.label}_envoi_tardif.csv"
    files.write_kpi_file(root / relative, late_rows, files.CSV_UTF8)
    written.append(relative)
    for exp in corrected(plan):
        fixed = correct_rows(rows[(exp.establishment.finess, exp.use_case)]["pilote"])
        relative = (
            f"inbox/{exp.establishment.finess}/kpi_{exp.use_case}_{CORRECTED_QUARTER.label}_rectificatif.csv"
        )
        files.write_kpi_file(root / relative, fixed, files.CSV_UTF8)
        written.append(relative)
    return LateDrop(tuple(written), (CORRECTED_QUARTER.label, LATE_QUARTER.label))
