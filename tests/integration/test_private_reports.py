"""Private reports: one folder per establishment, its own values against published peer quartiles only."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from report_data import QUARTER, A, B, C, D, build_report_warehouse, read_tree, render

from disclosure.editions import find_edition, read_benchmark
from reports.private.writer import peer_position, render_private_reports
from warehouse.db import open_warehouse

NAMES = {A: "CHU Alpha", B: "CH Bêta", C: "CH Gamma", D: "Clinique Delta"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_report_warehouse(tmp_path_factory.mktemp("private"))
    with open_warehouse(path) as con:
        for finess, name in NAMES.items():
            con.execute("INSERT OR REPLACE INTO establishment (finess, name) VALUES (?, ?)", [finess, name])
    return path


@pytest.fixture(scope="module")
def private(warehouse: Path) -> Path:
    root = warehouse.parents[1] / "private"
    render_private_reports(warehouse, QUARTER, root)
    return root / QUARTER


def test_one_folder_per_establishment_with_one_page_per_use_case(private: Path, warehouse: Path) -> None:
    assert sorted(p.name for p in private.iterdir()) == sorted([A, B, C, D])
    assert sorted(p.name for p in (private / A).glob("*.html")) == [
        "UC01.html",
        "UC02.html",
        "UC03.html",
        "index.html",
    ]
    assert sorted(p.name for p in (private / D).glob("*.html")) == ["UC01.html", "index.html"]
    assert (private / A / "static" / "style.css").is_file()
    site = render(warehouse, warehouse.parents[1] / "site")
    assert not any("private" in p.parts for p in site.parent.rglob("*"))


def test_own_values_against_published_quartiles(private: Path) -> None:
    html = (private / A / "UC01.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # A on UC01 EFF_DELAI_PEC: reference 80, pilot 50 (−38 %); peers P25 57,5, median 67,5, P75 80,0
    assert (
        "80,0 minutes 50,0 minutes −38 % (amélioration) 70,0 minutes 57,5 minutes 67,5 minutes 80,0 minutes"
        in text
    )
    assert "premier quart des expérimentations (le plus performant)" in text
    assert "CHU Alpha" in text


@pytest.mark.parametrize("finess", [A, B, C, D])
def test_never_another_establishments_name_or_finess(private: Path, finess: str) -> None:
    others = [f for f in NAMES if f != finess]
    for path in (private / finess).rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for other in others:
            assert other not in html and NAMES[other] not in html, (path, other)


def test_never_another_establishments_value(private: Path) -> None:
    # D's pilot value of EFF_DELAI_PEC is 75 minutes, B's 60: neither is a published quartile
    html = (private / A / "UC01.html").read_text(encoding="utf-8")
    assert "75,0 minutes" not in html and "60,0 minutes" not in html


def test_withheld_peers_show_no_statistics(private: Path) -> None:
    html = (private / A / "UC02.html").read_text(encoding="utf-8")
    assert "statistiques nationales non publiées : secret statistique (moins de 3 établissements)" in html
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "40 patients/jour 30 patients/jour" in text  # A's own reference and pilot (counts: no ",0")
    assert "National : médiane" in text and text.count("patients/jour") == 3  # the unit, A's two values


def test_private_reports_are_byte_identical(warehouse: Path, tmp_path: Path) -> None:
    render_private_reports(warehouse, QUARTER, tmp_path / "first")
    render_private_reports(warehouse, QUARTER, tmp_path / "second")
    assert read_tree(tmp_path / "first") == read_tree(tmp_path / "second")


def test_worker_processes_write_the_same_files(warehouse: Path, tmp_path: Path) -> None:
    in_process = render_private_reports(warehouse, QUARTER, tmp_path / "one", workers=1)
    in_workers = render_private_reports(warehouse, QUARTER, tmp_path / "two", workers=2)
    assert [p.relative_to(tmp_path / "one") for p in in_process] == [
        p.relative_to(tmp_path / "two") for p in in_workers
    ]
    assert read_tree(tmp_path / "one") == read_tree(tmp_path / "two")


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (50, "lower_is_better", "premier quart"),
        (70, "lower_is_better", "troisième quart"),
        (90, "lower_is_better", "dernier quart"),
        (90, "higher_is_better", "premier quart"),
        (60, "higher_is_better", "troisième quart"),
    ],
)
def test_position_is_direction_aware(warehouse: Path, value: float, direction: str, expected: str) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        edition = find_edition(con, QUARTER)
        assert edition is not None
        cell = next(
            c for c in read_benchmark(con, edition) if (c.use_case, c.kpi) == ("UC01", "EFF_DELAI_PEC")
        )
    position = peer_position(value, replace(cell, direction=direction))
    assert position is not None and position.startswith(expected)


def test_a_worsening_is_labelled_and_the_index_is_a_scorecard(private: Path) -> None:
    page = " ".join(re.sub(r"<[^>]+>", " ", (private / D / "UC01.html").read_text(encoding="utf-8")).split())
    # D on UC01 EFF_DELAI_PEC: reference 70, pilot 75 minutes: a worsening, said in words
    assert "70,0 minutes 75,0 minutes +7 % (dégradation)" in page
    index = " ".join(re.sub(r"<[^>]+>", "", (private / D / "index.html").read_text(encoding="utf-8")).split())
    assert "Votre tableau de bord" in index
    # EFF: 75 minutes, worse than before, above the 60-minute threshold and the peers' median 67,5
    assert (
        "0 en amélioration, 1 en dégradation, 0 stable seuil atteint : 0 sur 1 mieux que les pairs : 0 sur 1"
        in index
    )
    # QUA: readmissions 10 % -> 8 %, under the 10 % threshold and the peers' median 9,5 %
    assert (
        "1 en amélioration, 0 en dégradation, 0 stable seuil atteint : 1 sur 1 mieux que les pairs : 1 sur 1"
        in index
    )
