"""The quarter benchmark queries and the French HTML site, on a small warehouse in tmp_path."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_data import QUARTER, REPORT_RULES, build_report_warehouse, read_tree, render

from disclosure.benchmark import compute_benchmark
from disclosure.editions import find_edition
from schemas.catalogue import default_catalogue
from warehouse.db import open_warehouse
from warehouse.queries import available_quarters, quarter_overview


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_report_warehouse(tmp_path)


@pytest.fixture
def benchmark(warehouse: Path):
    with open_warehouse(warehouse, read_only=True) as con:
        cells = compute_benchmark(con, QUARTER, REPORT_RULES)
    return {(cell.use_case, cell.kpi): cell for cell in cells}


class TableRows(HTMLParser):
    """Collect each table row as a list of (tag, attributes, text) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, dict, str]]] = []
        self.cell: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = [tag, dict(attrs), ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(tuple(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data


def table_rows(html: str) -> list[list[tuple[str, dict, str]]]:
    parser = TableRows()
    parser.feed(html)
    return parser.rows


def test_duration_cell_matches_hand_computed_statistics(benchmark):
    cell = benchmark[("UC01", "EFF_DELAI_PEC")]
    assert not cell.withheld and cell.withheld_reason is None
    assert cell.n_establishments == 4
    assert cell.baseline_median == pytest.approx(85.0)  # (80 + 90) / 2; the superseded 500 is ignored
    assert cell.pilot_median == pytest.approx(67.5)  # (60 + 75) / 2
    assert (cell.pilot_p25, cell.pilot_p75) == (pytest.approx(57.5), pytest.approx(80.0))
    assert cell.pooled_rate is None
    assert cell.share_improved == pytest.approx(0.75)  # D got worse
    assert cell.threshold_met is False  # 67.5 > 60 minutes


def test_rate_cell_pools_numerators_and_denominators(benchmark):
    cell = benchmark[("UC01", "QUA_READMISSION_30J")]
    assert cell.baseline_median == pytest.approx(11.0)  # 10, 10, 12, 15
    assert cell.pilot_median == pytest.approx(9.5)  # 8, 8, 11, 12
    assert cell.pooled_rate == pytest.approx(100 * 47 / 500)
    assert cell.share_improved == pytest.approx(0.75)  # C got worse
    assert cell.threshold_met is True  # 9.5 <= 10 %
    assert cell.domain_label == "Qualité des soins"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (("UC02", "EFF_PATIENTS_JOUR"), "moins de 3 établissements"),
        (("UC03", "QUA_DMS"), "moins de 11 patients"),
    ],
)
def test_small_cells_are_withheld_with_no_statistics(benchmark, key, reason):
    cell = benchmark[key]
    assert cell.withheld and cell.withheld_reason == reason
    statistics = (
        cell.baseline_median,
        cell.pilot_median,
        cell.pilot_p25,
        cell.pilot_p75,
        cell.pooled_rate,
        cell.share_improved,
        cell.threshold_met,
    )
    assert statistics == (None,) * 7


def test_overview_and_available_quarters(warehouse):
    with open_warehouse(warehouse, read_only=True) as con:
        overview = quarter_overview(con, QUARTER)
        quarters = available_quarters(con)
        edition = find_edition(con, QUARTER)
    assert (overview.n_establishments, overview.n_experimentations) == (4, 9)
    assert overview.n_measurements == 8 + 2 + 3  # pilot rows of the quarter, superseded excluded
    assert quarters == [QUARTER]
    assert edition is not None and edition.number == 1
    # the file of 2 November only holds a superseded value: it is not an input of the edition
    assert (edition.n_submissions, edition.as_of) == (4, datetime(2026, 1, 8, 9, 30))


def test_site_has_index_and_one_page_per_use_case(warehouse, tmp_path):
    index = render(warehouse, tmp_path / "site")
    quarter_dir = tmp_path / "site" / QUARTER
    assert index == quarter_dir / "index.html"
    assert sorted(p.name for p in (quarter_dir / "cas-usage").iterdir()) == [
        "ENSEMBLE.html",
        "UC01-estimer-roi.html",
        "UC01.html",
        "UC02-estimer-roi.html",
        "UC02.html",
        "UC03-estimer-roi.html",
        "UC03.html",
    ]
    assert (quarter_dir / "static" / "style.css").is_file()
    html = index.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "Tiers-lieux d'expérimentation — référentiel de performance, trimestre 2025-T4" in html
    assert "illustrative" in html
    assert "8 janvier 2026" in html


def test_every_local_link_resolves(warehouse, tmp_path):
    render(warehouse, tmp_path / "site")
    pages = sorted((tmp_path / "site" / QUARTER).rglob("*.html"))
    for page in pages:
        for target in re.findall(r'(?:href|src)="([^"#]+)', page.read_text(encoding="utf-8")):
            assert (page.parent / target).resolve().is_file(), f"{page.name} links to missing {target}"
    index_links = re.findall(r'href="([^"]+)"', (tmp_path / "site" / QUARTER / "index.html").read_text())
    assert "cas-usage/UC01.html" in index_links and "cas-usage/UC02.html" in index_links


def test_withheld_cell_shows_secret_and_no_number(warehouse, tmp_path):
    render(warehouse, tmp_path / "site")
    html = (tmp_path / "site" / QUARTER / "cas-usage" / "UC02.html").read_text(encoding="utf-8")
    (row,) = [r for r in table_rows(html) if r and r[0][2].startswith("Patients traités par jour")]
    statistic_cells = row[2:]
    assert [text.split()[:2] for _, _, text in statistic_cells] == [["secret", "statistique"]]
    assert not any(re.search(r"\d", text) for _, _, text in statistic_cells)
    assert "Secret statistique : moins de 3 établissements" in html


def test_published_cell_shows_french_numbers(warehouse, tmp_path):
    render(warehouse, tmp_path / "site")
    html = (tmp_path / "site" / QUARTER / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    (row,) = [r for r in table_rows(html) if r and r[0][2].startswith("Taux de réadmission")]
    texts = [" ".join(text.split()) for _, _, text in row]
    assert texts[0].endswith("↓ plus bas est mieux")
    # means: pooled 57/500 = 11.4 % then 47/500 = 9.4 %, a change of -2.0 points; then the medians
    assert texts[1:4] == ["4", "11,4 % (moyenne)", "9,4 % (moyenne) médiane 9,5 % P25–P75 : 8,0 – 11,3 %"]
    # median of -33.3, -20, -20, +10 %; under 6 values: no interval
    assert texts[4] == "−2,0 pt amélioration médiane des évolutions −20 %"
    assert texts[5] == "75 %"
    assert texts[6] == "atteint (≤ 10 %)"
    headings = re.findall(r"<h2 [^>]*>([^<]+)</h2>", html)
    assert headings[0] == "L'essentiel"
    assert headings[1:5] == [domain.label.capitalize() for domain in default_catalogue().domains.values()]


def test_labels_are_escaped(warehouse, tmp_path):
    render(warehouse, tmp_path / "site")
    for name in ("index.html", "cas-usage/UC01.html"):
        html = (tmp_path / "site" / QUARTER / name).read_text(encoding="utf-8")
        assert "<script" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Chirurgie &amp; réalité augmentée" in html


def test_rendering_is_byte_identical(warehouse, tmp_path):
    render(warehouse, tmp_path / "first")
    render(warehouse, tmp_path / "second")
    first = read_tree(tmp_path / "first")
    render(warehouse, tmp_path / "first")
    assert read_tree(tmp_path / "first") == first == read_tree(tmp_path / "second")


def test_no_remote_resource(warehouse, tmp_path):
    render(warehouse, tmp_path / "site")
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text), path
            assert not re.search(r"url\(\s*[\"']?\s*(?:https?:)?//", text), path
