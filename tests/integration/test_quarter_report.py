"""The quarter benchmark queries and the French HTML site, on a small warehouse in tmp_path."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports.site import render_quarter_site
from schemas.catalogue import default_catalogue
from schemas.periods import parse_period
from tlkpi.settings import Settings
from warehouse.benchmark import compute_benchmark
from warehouse.db import open_warehouse
from warehouse.disclosure import Rules
from warehouse.editions import find_edition, freeze_edition
from warehouse.queries import available_quarters, quarter_overview
from warehouse.reference import sync_catalogue

QUARTER = "2025-T4"
A, B, C, D = "750000001", "690000002", "130000003", "330000004"

# (finess, kpi, reference (value, num, den, n), pilot (value, num, den, n)) for UC01.
UC01_ROWS = [
    (A, "EFF_DELAI_PEC", (80, None, None, 20), (50, None, None, 20)),
    (B, "EFF_DELAI_PEC", (90, None, None, 20), (60, None, None, 20)),
    (C, "EFF_DELAI_PEC", (100, None, None, 20), (95, None, None, 20)),
    (D, "EFF_DELAI_PEC", (70, None, None, 20), (75, None, None, 20)),
    (A, "QUA_READMISSION_30J", (12, 12, 100, None), (8, 8, 100, None)),
    (B, "QUA_READMISSION_30J", (15, 15, 100, None), (12, 12, 100, None)),
    (C, "QUA_READMISSION_30J", (10, 10, 100, None), (11, 11, 100, None)),
    (D, "QUA_READMISSION_30J", (10, 20, 200, None), (8, 16, 200, None)),
]


def insert_submission(con, finess: str, status: str, received_at: datetime) -> int:
    (row,) = con.execute(
        """
        INSERT INTO submission (sha256, original_name, inbox_path, inbox_finess, received_at,
                                status, n_rows, n_issues, stored_path)
        VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)
        RETURNING id
        """,
        [f"sha-{finess}-{status}-{received_at}", "kpi.csv", "inbox/kpi.csv", finess, received_at, status, ""],
    ).fetchall()
    return row[0]


def insert_measurement(con, submission_id, finess, use_case, kpi, period, phase, measure, superseded=False):
    value, numerator, denominator, n_patients = measure
    domain = default_catalogue().kpis[kpi].domain
    quarter = parse_period(period).quarter_label
    con.execute(
        """
        INSERT INTO measurement (submission_id, source_row, finess, use_case, domain, kpi, period,
                                 quarter, phase, value, numerator, denominator, n_patients, superseded)
        VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            submission_id,
            finess,
            use_case,
            domain,
            kpi,
            period,
            quarter,
            phase,
            value,
            numerator,
            denominator,
            n_patients,
            superseded,
        ],
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """4 establishments on UC01 (2 KPIs), 2 on UC02, 3 with 9 patients in all on UC03; edition 1 frozen."""
    path = tmp_path / "warehouse" / "tlkpi.duckdb"
    with open_warehouse(path) as con:
        sync_catalogue(con, default_catalogue())
        old = insert_submission(con, A, "accepted", datetime(2025, 11, 2, 8, 0))
        insert_measurement(
            con, old, A, "UC01", "EFF_DELAI_PEC", "2025-T4", "pilote", (500, None, None, 20), True
        )
        submissions = {
            finess: insert_submission(con, finess, "accepted", datetime(2026, 1, day, 9, 30))
            for day, finess in enumerate([A, B, C, D], start=5)
        }
        insert_submission(con, B, "rejected", datetime(2026, 1, 20, 17, 0))
        for finess, kpi, reference, pilot in UC01_ROWS:
            insert_measurement(
                con, submissions[finess], finess, "UC01", kpi, "2025-T2", "reference", reference
            )
            insert_measurement(con, submissions[finess], finess, "UC01", kpi, "2025-T4", "pilote", pilot)
        for finess in (A, B):
            sub = submissions[finess]
            insert_measurement(
                con, sub, finess, "UC02", "EFF_PATIENTS_JOUR", "2025-T2", "reference", (40, None, None, 30)
            )
            insert_measurement(
                con, sub, finess, "UC02", "EFF_PATIENTS_JOUR", "2025-11", "pilote", (30, None, None, 30)
            )
        for finess in (A, B, C):
            sub = submissions[finess]
            insert_measurement(con, sub, finess, "UC03", "QUA_DMS", "2025-T4", "pilote", (5, None, None, 3))
        con.execute(
            "UPDATE use_case SET label = ? WHERE code = ?",
            ["<script>alert('x')</script> Chirurgie & réalité augmentée", "UC01"],
        )
        freeze_edition(con, QUARTER, Rules(min_establishments=3, min_patients=11))
    return path


@pytest.fixture
def benchmark(warehouse: Path):
    with open_warehouse(warehouse, read_only=True) as con:
        cells = compute_benchmark(con, QUARTER, Rules(min_establishments=3, min_patients=11))
    return {(cell.use_case, cell.kpi): cell for cell in cells}


def render(warehouse: Path, site_root: Path) -> Path:
    return render_quarter_site(
        warehouse, QUARTER, site_root, Settings(data_root=site_root, min_establishments=3, min_patients=11)
    )


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()
    }


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
        "UC01.html",
        "UC02.html",
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
    statistic_cells = row[3:]
    assert [text.split()[:2] for _, _, text in statistic_cells] == [["secret", "statistique"]]
    assert not any(re.search(r"\d", text) for _, _, text in statistic_cells)
    assert "Secret statistique : moins de 3 établissements" in html


def test_published_cell_shows_french_numbers(warehouse, tmp_path):
    render(warehouse, tmp_path / "site")
    html = (tmp_path / "site" / QUARTER / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    (row,) = [r for r in table_rows(html) if r and r[0][2].startswith("Taux de réadmission")]
    texts = [" ".join(text.split()) for _, _, text in row]
    assert texts[1:7] == ["↓ plus bas est mieux", "4", "11,0 %", "9,5 %", "8,0 – 11,3 %", "9,4 %"]
    assert texts[7] == "75 %"
    assert texts[8] == "−20 %"  # median of -33.3, -20, -20, +10 %; under 6 values: no interval
    assert texts[9].startswith("oui")
    headings = re.findall(r"<h2 [^>]*>([^<]+)</h2>", html)
    assert headings[:4] == [domain.label for domain in default_catalogue().domains.values()]


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
