"""Editions: publishing freezes what was published; a late correction makes a new edition; running
again with nothing new changes nothing; earlier editions stay queryable and re-renderable."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from golden_data import E1, E4, E5, QUARTER, build_golden_warehouse, submit

from disclosure.editions import find_edition, freeze_edition, list_editions, read_benchmark
from disclosure.rules import Rules
from reports.site.writer import render_quarter_site
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

RULES = Rules(min_establishments=3, min_patients=11)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def publish(path: Path, site: Path) -> tuple[int, bool]:
    with open_warehouse(path) as con:
        freeze = freeze_edition(con, QUARTER, RULES)
    render_quarter_site(path, QUARTER, site, Settings(data_root=site.parent))
    return freeze.edition.number, freeze.created


def test_nothing_new_changes_nothing(tmp_path: Path) -> None:
    path = build_golden_warehouse(tmp_path / "w.duckdb")
    site = tmp_path / "site"
    assert publish(path, site) == (1, True)
    first = tree(site)
    assert publish(path, site) == (1, False)
    assert tree(site) == first
    with open_warehouse(path) as con:  # a file for the next quarter only is no input of 2025-T3
        submit(
            con,
            "next.csv",
            datetime(2026, 1, 5),
            [(E1, "UC01", "EFF_DELAI_PEC", "2025-T4", "pilote", 40, None, None, 20)],
        )
    assert publish(path, site) == (1, False)
    assert tree(site) == first


def test_late_correction_makes_a_new_edition_and_the_old_one_stays(tmp_path: Path) -> None:
    path = build_golden_warehouse(tmp_path / "w.duckdb")
    site = tmp_path / "site"
    publish(path, site)
    first_csv = (site / QUARTER / "data" / "benchmark.csv").read_bytes()
    with open_warehouse(path) as con:
        submit(con, "correction.csv", datetime(2025, 11, 20, 14, 0),
               [(E1, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 70, None, None, 20)])  # fmt: skip
    assert publish(path, site) == (2, True)
    with open_warehouse(path, read_only=True) as con:
        editions = list_editions(con)
        one, two = (find_edition(con, QUARTER, n) for n in (1, 2))
        assert one is not None and two is not None
        old = {(c.use_case, c.kpi): c for c in read_benchmark(con, one)}
        new = {(c.use_case, c.kpi): c for c in read_benchmark(con, two)}
    assert [(e.quarter, e.number) for e in editions] == [(QUARTER, 1), (QUARTER, 2)]
    assert one.as_of == datetime(2025, 10, 10, 9, 0) and two.as_of == datetime(2025, 11, 20, 14, 0)
    assert two.n_submissions == one.n_submissions + 1
    # one establishment's correction is held: the table keeps edition 1's figures, marked pending
    for key in [("UC01", "EFF_DELAI_PEC"), ("ENSEMBLE", "EFF_DELAI_PEC")]:
        assert (
            new[key].pilot_mean == old[key].pilot_mean and new[key].share_improved == old[key].share_improved
        )
        assert new[key].correction_pending and not old[key].correction_pending
    assert not new[("UC01", "QUA_READMISSION_30J")].correction_pending
    page = (site / QUARTER / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    assert "Correction en attente" in page
    assert "édition 2" in (site / QUARTER / "index.html").read_text(encoding="utf-8")
    index = render_quarter_site(path, QUARTER, site, Settings(data_root=site.parent), 1)
    assert index == site / QUARTER / "editions" / "1" / "index.html"
    assert (index.parent / "data" / "benchmark.csv").read_bytes() == first_csv


def test_corrections_of_enough_establishments_are_published(tmp_path: Path) -> None:
    path = build_golden_warehouse(tmp_path / "w.duckdb")
    site = tmp_path / "site"
    publish(path, site)
    with open_warehouse(path) as con:
        submit(con, "correction.csv", datetime(2025, 11, 20, 14, 0),
               [(E1, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 70, None, None, 20)])  # fmt: skip
    assert publish(path, site) == (2, True)
    with open_warehouse(path) as con:  # two more establishments correct the same cell
        submit(
            con,
            "c2.csv",
            datetime(2025, 11, 21, 9),
            [(E4, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 50, None, None, 20)],
        )
        submit(
            con,
            "c3.csv",
            datetime(2025, 11, 22, 9),
            [(E5, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 58, None, None, 20)],
        )
    assert publish(path, site) == (3, True)
    with open_warehouse(path, read_only=True) as con:
        one, three = (find_edition(con, QUARTER, n) for n in (1, 3))
        assert one is not None and three is not None
        old = {(c.use_case, c.kpi): c for c in read_benchmark(con, one)}
        new = {(c.use_case, c.kpi): c for c in read_benchmark(con, three)}
    cell = new[("UC01", "EFF_DELAI_PEC")]
    # E1 80 -> 70, E4 55 -> 50, E5 60 -> 58: the three changes together pass the primary rule
    assert cell.pilot_mean == round((70 * 20 + 57.5 * 40 + 99 * 25 + 50 * 20 + 58 * 20 + 63 * 20) / 145, 1)
    assert cell.pilot_mean != old[("UC01", "EFF_DELAI_PEC")].pilot_mean and not cell.correction_pending
