"""Peer groups across quarters: a group's baseline figures follow the series rule against the group's
own earlier publications too, not only the nation's (issue 21, items 2 and 3).

An outsider holds every quarter's open data. A CHU group of 4 that one CHU joins next quarter gives the
newcomer's own reference value by differencing (5 × mean − 4 × mean), unless the group's new baseline is
withheld; and a CHU group whose members stay the same must not publish a corrected baseline that the
national row holds as « correction en attente »."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from report_data import insert_measurement, insert_submission

from disclosure.editions import freeze_edition, read_benchmark
from disclosure.peers import read_peers
from disclosure.rules import Rules
from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import register_establishments, sync_catalogue

RULES = Rules(min_establishments=3, min_patients=11, min_position=4, min_extreme_position=4)
KPI = "EFF_PATIENTS_JOUR"  # a plain mean without threshold: a published mean gives its sum away
CHU = {"750000001": 120, "690000002": 135, "130000003": 110, "060000004": 150}  # reference values
NEWCOMER = ("310000005", 97)  # a CHU that joins in T4
CH = {"330000011": 80, "440000012": 74, "350000013": 91, "290000014": 66}
CH_NEWCOMERS = {"560000015": 79, "220000016": 102, "290000017": 85}  # national moves by 4 in T4


def pilot(finess: str, reference: int, quarter: str) -> int:
    """Some improve, some get worse: the counts improved then pin no member."""
    return reference + (6 if int(finess[-1]) % 2 else -4) + (quarter == "2025-T4")


def setup(tmp_path: Path) -> Settings:
    settings = Settings(data_root=tmp_path / "var", min_establishments=3, min_patients=11, min_position=4,
                        min_extreme_position=4)  # fmt: skip
    categories = {**dict.fromkeys((*CHU, NEWCOMER[0]), "CHU"), **dict.fromkeys((*CH, *CH_NEWCOMERS), "CH")}
    with open_warehouse(settings.warehouse_path) as con:
        sync_catalogue(con, default_catalogue())
        register_establishments(
            con, [(f, f"Établissement {f}", c, "Bretagne", False) for f, c in categories.items()]
        )
    return settings


def submit(settings: Settings, references: dict[str, int], quarters: list[str], day: int) -> None:
    with open_warehouse(settings.warehouse_path) as con:
        for finess, reference in references.items():
            sub = insert_submission(con, finess, "accepted", datetime(2026, 1, day))
            insert_measurement(
                con, sub, finess, "UC01", KPI, "2025-T1", "reference", (reference, None, None, None)
            )
            for quarter in quarters:
                insert_measurement(
                    con,
                    sub,
                    finess,
                    "UC01",
                    KPI,
                    quarter,
                    "pilote",
                    (pilot(finess, reference, quarter), None, None, None),
                )


def freeze(settings: Settings, quarter: str) -> dict[str, Any]:
    """The UC01 rows of the quarter's new edition: 'national' and each group."""
    with open_warehouse(settings.warehouse_path) as con:
        edition = freeze_edition(con, quarter, RULES).edition
        groups, _ = read_peers(con, quarter, edition.number)
        nation = read_benchmark(con, edition)
    rows = {"national": next(c for c in nation if c.use_case == "UC01" and c.kpi == KPI)}
    return rows | {
        row.peer_group: row.cell for row in groups if row.cell.use_case == "UC01" and row.cell.kpi == KPI
    }


def test_a_group_newcomer_is_not_recovered_from_the_group_baselines_of_two_quarters(tmp_path: Path) -> None:
    settings = setup(tmp_path)
    submit(settings, {**CHU, **CH}, ["2025-T3", "2025-T4"], day=5)
    t3 = freeze(settings, "2025-T3")
    submit(settings, {NEWCOMER[0]: NEWCOMER[1], **CH_NEWCOMERS}, ["2025-T4"], day=6)
    t4 = freeze(settings, "2025-T4")
    before, after = t3["CHU"], t4["CHU"]
    assert before.n_establishments == 4 and after.n_establishments == 5
    assert before.baseline_mean == 128.8  # the group of four publishes its baseline
    # The attack: 5 × the T4 CHU baseline − 4 × the T3 one is the newcomer's own reference value
    # (96.8 for 97 on the code before the fix).
    assert after.baseline_mean is None, (
        f"the newcomer's reference value is 5 × {after.baseline_mean} − 4 × {before.baseline_mean} = "
        f"{5 * after.baseline_mean - 4 * before.baseline_mean:g}"
    )
    assert after.mean_change is None
    # Nor through the nation: 12 × national − 7 × CH is the five CHU's baseline sum.
    assert t4["national"].baseline_mean is None or t4["CH"].baseline_mean is None
    # Only reference figures protect a reference figure: every pilot mean stays published.
    assert all(t4[row].pilot_mean is not None for row in ("national", "CHU", "CH"))


def test_a_correction_held_for_a_group_stays_held_in_the_next_quarter(tmp_path: Path) -> None:
    settings = setup(tmp_path)
    submit(settings, {**CHU, **CH}, ["2025-T3", "2025-T4"], day=5)
    t3 = freeze(settings, "2025-T3")
    corrected = next(iter(CHU))
    with open_warehouse(settings.warehouse_path) as con:  # one CHU corrects its reference value (+97)
        con.execute(
            "UPDATE measurement SET superseded = true WHERE finess = ? AND phase = 'reference'", [corrected]
        )
        sub = insert_submission(con, corrected, "accepted", datetime(2026, 1, 20))
        reference = (CHU[corrected] + 97, None, None, None)
        insert_measurement(con, sub, corrected, "UC01", KPI, "2025-T1", "reference", reference)
    t4 = freeze(settings, "2025-T4")
    # The same four CHU: a new CHU baseline minus T3's would give the correction (+97 / 4).
    assert t3["CHU"].baseline_mean == 128.8
    assert t4["CHU"].baseline_mean in (128.8, None)
    assert t4["national"].baseline_mean in (t3["national"].baseline_mean, None)
