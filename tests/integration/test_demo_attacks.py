"""The attacks of issue 13 on the demo's published files: its latest edition, and a second edition
after one establishment's late correction (the case that moved ENSEMBLE by 12/286 under rules v1).

The demo goes through the real pipeline without Prefect (as tests/integration/test_demo_pipeline.py);
the attacker reads only the published CSV files; the warehouse tells whether a recovery is real.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attacks as attack
import pytest
from golden_data import Row, submit

from demo.demo_data import generate_demo
from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from intake.run import ingest_inbox
from reports.site.writer import render_quarter_site
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.queries import fetch_dicts

RULES = Rules()
Published = tuple[list[dict[str, str]], list[dict[str, str]]]


def ingest_demo(settings: Settings) -> str:
    demo = generate_demo(settings.root)
    ingest_inbox(settings, date(2026, 11, 22))
    return demo.latest_quarter


def publish(settings: Settings, quarter: str) -> Published:
    with open_warehouse(settings.warehouse_path) as con:
        number = freeze_edition(con, quarter, RULES).edition.number
    render_quarter_site(settings.warehouse_path, quarter, settings.site_dir, settings, number)
    folder = settings.site_dir / quarter
    data = folder / "editions" / str(number) / "data"
    data = data if data.exists() else folder / "data"
    return attack.read_rows(data / "benchmark.csv"), attack.read_rows(data / "roi.csv")


def lone_rate_row(settings: Settings, quarter: str) -> dict[str, Any]:
    """A pilot row of counts in a cell of one or two establishments (withheld) of a rate KPI."""
    with open_warehouse(settings.warehouse_path, read_only=True) as con:
        members = fetch_dicts(con, "cell_contributions", {"quarter": quarter})
        cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for member in members:
            cells.setdefault((member["use_case"], member["kpi"]), []).append(member)
        lone = next(
            m[0]
            for m in cells.values()
            if len(m) == 1 and m[0]["kind"] == "rate" and m[0]["numerator"] is not None
        )
        (row,) = con.execute(
            "SELECT finess, use_case, kpi, period, numerator, denominator FROM measurement_latest "
            "WHERE finess = ? AND use_case = ? AND kpi = ? AND quarter = ? AND phase = 'pilote' LIMIT 1",
            [lone["finess"], lone["use_case"], lone["kpi"], quarter],
        ).fetchall()
    return dict(zip(("finess", "use_case", "kpi", "period", "numerator", "denominator"), row, strict=True))


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Settings, str, Published, Published, dict[str, Any]]:
    settings = Settings(data_root=tmp_path_factory.mktemp("demo") / "var")
    quarter = ingest_demo(settings)
    first = publish(settings, quarter)
    row = lone_rate_row(settings, quarter)
    numerator, denominator = row["numerator"] + 12, row["denominator"] + 286
    with open_warehouse(settings.warehouse_path) as con:
        correction = Row(row["finess"], row["use_case"], row["kpi"], row["period"], "pilote",
                         100 * numerator / denominator, numerator, denominator, None)  # fmt: skip
        submit(con, "correction.csv", datetime(2026, 2, 20, 14), [correction])
    second = publish(settings, quarter)
    return settings, quarter, first, second, row


def members_of(settings: Settings, quarter: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    with open_warehouse(settings.warehouse_path, read_only=True) as con:
        rows = fetch_dicts(con, "cell_contributions", {"quarter": quarter})
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        cells.setdefault((row["use_case"], row["kpi"]), []).append(row)
        cells.setdefault(("ENSEMBLE", row["kpi"]), []).append(row)
    return cells


@pytest.mark.parametrize("edition", [0, 1])
def test_no_attack_recovers_anything_from_the_demo(demo, edition: int) -> None:
    settings, quarter, first, second, _ = demo
    benchmark, _roi = (first, second)[edition]
    cells = members_of(settings, quarter)
    recovered = attack.invert_quantiles(benchmark)
    assert recovered == {}
    assert attack.ensemble_against_known(benchmark, attack.invert_quantiles(benchmark, range(3, 200))) == {}
    for hidden, _counts in attack.difference_rates(benchmark).items():
        kpi, *use_cases = hidden
        who = {m["finess"] for uc in use_cases for m in cells.get((uc, kpi), [])}
        assert len(who) >= RULES.min_establishments, hidden
    for row in benchmark:
        key = (row["use_case"], row["kpi"])
        if row["withheld"] == "true":
            continue
        if row["kind"] == "rate":
            assert attack.split_counts(row, recovered.get(key, [])) == []
        if key[0] != "ENSEMBLE" and int(row["n_experimentations"]) >= 4:
            for member in cells[key]:
                assert attack.participant_recovers(row, member["pilot"]) == [], (key, member["finess"])


def test_the_demo_publishes_means_from_3_and_medians_from_10(demo) -> None:
    _settings, _quarter, (benchmark, roi), _second, _ = demo
    shown = [r for r in benchmark if r["withheld"] == "false"]
    assert all(int(r["n_establishments"]) >= 3 for r in shown)
    assert all(r["pilot_mean"] or r["linear_withheld_reason"] for r in shown)
    assert all((r["pilot_median"] != "") == (int(r["n_experimentations"]) >= 10) for r in shown)
    assert all((r["pilot_p10"] != "") == (int(r["n_experimentations"]) >= 20) for r in shown)
    assert all(len(r["pilot_mean"].partition(".")[2]) <= 1 for r in shown)  # one decimal at most
    assert all(
        (r["roi_median"] != "") == (int(r["n_experimentations"]) >= 10)
        for r in roi
        if r["withheld"] == "false"
    )


def test_one_late_correction_moves_no_published_figure(demo) -> None:
    _settings, _quarter, first, second, row = demo
    assert {r["edition"] for r in second[0]} == {"2"}
    assert (
        attack.changed_figures(first[0], second[0]) == []
        and attack.changed_figures(first[1], second[1]) == []
    )
    pending = {(r["use_case"], r["kpi"]) for r in second[0] if r["correction_pending"] == "true"}
    assert {(row["use_case"], row["kpi"]), ("ENSEMBLE", row["kpi"])} <= pending
