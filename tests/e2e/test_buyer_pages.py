"""What a buyer reads, in a real Chromium: the matrix leads to the use cases, tables fit the column at
1280 px and stack at 390 px (no sideways scrolling), no two tick labels of a chart overlap, and the ROI
calculator gives the numbers of the formula (reports/site/calculator.py) for values typed as people type them.

Screenshots go to <tmp_path of the module>/screenshots/ (see test_site_in_browser.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from test_site_in_browser import browser, open_page, published  # noqa: F401  (module fixtures)

from disclosure.editions import find_edition, read_benchmark
from reports.site.calculator import Inputs, break_even_month, gain_basis, project, tornado
from warehouse.db import open_warehouse

PAGES = ("index", "use_case", "withheld", "calculator", "private", "private_index")
OVERLAP = """
() => {
  const clashes = [];
  for (const axis of document.querySelectorAll("svg g.role-axis-label")) {
    const boxes = [...axis.querySelectorAll("text")]
      .filter((t) => t.textContent.trim() && getComputedStyle(t).opacity !== "0" && t.getAttribute("opacity") !== "0")
      .map((t) => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, r] = boxes[i], [b, q] = boxes[j];
        const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        if (w > 0.5 && h > 0.5) clashes.push(`${a} / ${b}`);
      }
  }
  return clashes;
}
"""
FIT = """
() => {
  const main = document.querySelector("main").getBoundingClientRect();
  const wide = [...document.querySelectorAll("main table")]
    .filter((t) => t.offsetParent !== null && !t.closest("details"))
    .filter((t) => t.getBoundingClientRect().right > main.right + 0.5)
    .map((t) => t.querySelector("caption")?.textContent.slice(0, 60));
  return {scroll: document.documentElement.scrollWidth, wide};
}
"""


def test_matrix_links_lead_to_each_use_case(browser: Any, published: dict[str, Path]) -> None:  # noqa: F811
    page, incidents = open_page(browser, published["index"])
    page.screenshot(path=str(published["shots"] / "buyer-index.png"), full_page=True)
    matrix = page.locator("table.matrix")
    assert matrix.locator("thead th").count() == 5  # use case + the four domains
    page.locator("table.matrix tbody th a", has_text="UC01").click()
    page.wait_for_load_state()
    assert page.url == published["use_case"].as_uri()
    assert page.get_by_role("heading", name="L'essentiel").is_visible()
    page.go_back()
    cell = page.locator("table.matrix tbody tr", has_text="UC01").locator("td a").first
    target = cell.get_attribute("href")
    assert target is not None and target.startswith("cas-usage/UC01.html#domaine-")
    cell.click()
    page.wait_for_load_state()
    assert page.url.endswith(target)
    assert incidents == [], incidents


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("kind", PAGES)
def test_tables_fit_without_sideways_scrolling(
    browser: Any,  # noqa: F811
    published: dict[str, Path],  # noqa: F811
    kind: str,
    width: int,
) -> None:
    page, _ = open_page(browser, published[kind], width=width)
    page.screenshot(path=str(published["shots"] / f"fit-{kind}-{width}.png"), full_page=True)
    fit = page.evaluate(FIT)
    assert fit["scroll"] <= width, fit
    assert fit["wide"] == [], fit


@pytest.mark.parametrize("kind", ["index", "use_case"])
def test_no_two_tick_labels_overlap(browser: Any, published: dict[str, Path], kind: str) -> None:  # noqa: F811
    for width in (1280, 390):
        page, _ = open_page(browser, published[kind], width=width)
        assert page.locator("svg g.role-axis-label text").count() > 4
        assert page.evaluate(OVERLAP) == [], (kind, width)


def expected_projection(warehouse: Path, inputs: dict[str, float]) -> tuple[Inputs, Any]:
    with open_warehouse(warehouse, read_only=True) as con:
        edition = find_edition(con, "2025-T3")
        assert edition is not None
        cells = [c for c in read_benchmark(con, edition) if c.use_case == "UC01"]
    basis = gain_basis(cells, band=0.3)
    assert basis is not None
    return Inputs(per_patient=basis.per_patient, **inputs), basis  # type: ignore[arg-type]


def test_calculator_gives_the_formula_numbers(browser: Any, published: dict[str, Path]) -> None:  # noqa: F811
    page, incidents = open_page(browser, published["calculator"])
    for field, typed in (
        ("patients", "1 200"),
        ("adoption", "37,5"),
        ("acquisition", "80000"),
        ("fonctionnement", "12 000,50"),
        ("actualisation", "4"),
    ):
        page.fill(f"#{field}", typed)
    page.select_option("#horizon", "4")
    page.get_by_role("button", name="Calculer").click()
    page.screenshot(path=str(published["shots"] / "buyer-calculator.png"), full_page=True)
    inputs, basis = expected_projection(
        published["warehouse"],
        {
            "patients": 1200.0,
            "uptake": 0.375,
            "acquisition": 80000.0,
            "running": 12000.5,
            "years": 4,
            "discount": 0.04,
        },
    )
    years = project(inputs)
    rows = page.locator("#par-annee tbody tr")
    assert rows.count() == 4
    for number, year in enumerate(years):
        values = [
            float(v)
            for v in rows.nth(number).locator("td").evaluate_all("(c) => c.map((x) => x.dataset.value)")
        ]
        assert values[:3] == pytest.approx([year.costs, year.gains, year.net], abs=0.01)
        assert values[4] == pytest.approx(year.cumulated_net, abs=0.01)
    assert float(page.locator("#net-cumule").get_attribute("data-value") or "nan") == pytest.approx(
        years[-1].cumulated_net, abs=0.01
    )
    month = break_even_month(inputs)
    if month is None:
        assert page.locator("#point-mort").count() == 0
    else:
        assert page.locator("#point-mort").inner_text() == str(month)
    bars = page.locator("#sensibilite tbody th").all_inner_texts()
    assert bars == [label for label, _, _ in tornado(inputs, basis.low, basis.high)]
    href = page.locator("#export").get_attribute("href") or ""
    assert href.startswith("data:text/csv") and "annee%3Bcouts_eur" in href
    page.fill("#adoption", "150")
    page.get_by_role("button", name="Calculer").click()
    assert page.locator("#adoption").get_attribute("aria-invalid") == "true"
    assert "entre 0 et 100" in page.locator("#adoption-erreur").inner_text()
    assert incidents == [], incidents


def test_calculator_uses_the_chosen_category_basis_and_marks_the_example(
    browser: Any,  # noqa: F811
    published: dict[str, Path],  # noqa: F811
) -> None:
    page, incidents = open_page(browser, published["calculator"])
    assert "exemple" in page.locator("#exemple").inner_text()
    assert page.locator("#exemple-resultat").is_visible()
    assert page.locator("#base-utilisee").inner_text().startswith("Base utilisée : nationale")
    page.select_option("#categorie", "CH")
    page.get_by_role("button", name="Calculer").click()
    page.screenshot(path=str(published["shots"] / "buyer-calculator-category.png"), full_page=True)
    assert page.locator("#base-utilisee").inner_text().startswith("Base utilisée : groupe CH")
    assert (
        page.locator("#base-estimation").inner_text().startswith("Base utilisée : groupe CH")
    )  # in the results too
    page.fill("#patients", "800")
    expect(page.locator("#exemple-resultat")).to_be_hidden()
    assert incidents == [], incidents


def test_use_case_page_shows_national_and_group_figures_side_by_side(
    browser: Any,  # noqa: F811
    published: dict[str, Path],  # noqa: F811
) -> None:
    page, _ = open_page(browser, published["use_case"])
    table = page.get_by_role(
        "table", name="Niveau en phase pilote, national et par groupe de pairs, trimestre 2025-T3"
    )
    assert table.locator("thead th").all_inner_texts() == ["Indicateur", "National", "CH"]
    assert table.locator("tbody tr").count() > 3
    # and a chart per KPI with a published group level: national and group bars, their data table
    charts = page.locator("figure.chart", has_text="national et groupes de pairs")
    assert charts.count() >= 3 and charts.first.locator("svg[role=img]").count() == 1
    drawn = charts.first.locator("svg text").evaluate_all("(texts) => texts.map((t) => t.textContent)")
    assert "National" in drawn and "CH" in drawn
    assert charts.first.locator("details.chart-data th[scope=row]").all_text_contents() == ["National", "CH"]


OPENED_FIT = """
() => {
  for (const details of document.querySelectorAll("details")) details.open = true;
  const main = document.querySelector("main").getBoundingClientRect();
  const wide = [...document.querySelectorAll("details.chart-data .table-scroll")]
    .filter((box) => box.getBoundingClientRect().right > main.right + 0.5)
    .map((box) => box.getAttribute("aria-label"));
  return {scroll: document.documentElement.scrollWidth, wide, boxes: document.querySelectorAll("details.chart-data .table-scroll").length};
}
"""


@pytest.mark.parametrize("kind", ["index", "use_case"])
def test_chart_data_tables_opened_on_a_phone_stay_in_the_screen(
    browser: Any,  # noqa: F811
    published: dict[str, Path],  # noqa: F811
    kind: str,
) -> None:
    page, _ = open_page(browser, published[kind], width=390)
    fit = page.evaluate(OPENED_FIT)
    assert fit["boxes"] > 0 and fit["wide"] == [] and fit["scroll"] <= 390, fit


STACKED_LABELS = """
() => [...document.querySelectorAll("main table.stack")].map((table) => {
  const heads = [...table.querySelectorAll("thead th")].slice(1).map((h) => h.textContent);
  const cells = [...table.querySelector("tbody tr").querySelectorAll("td")];
  const words = (s) => s.replace(/[",:]/g, " ").split(/\\s+/).filter(Boolean).join(" ");
  return cells.map((cell, i) => {
    const label = getComputedStyle(cell, "::before").content;
    return [words(heads[i]), words(label.startsWith("attr(") ? cell.dataset.label : label)];
  });
})
"""


def test_private_tables_stacked_on_a_phone_label_each_value_with_its_column(
    browser: Any,  # noqa: F811
    published: dict[str, Path],  # noqa: F811
) -> None:
    page, _ = open_page(browser, published["private"], width=390)
    tables = page.evaluate(STACKED_LABELS)
    assert len(tables) >= 2  # the domains' tables and the one against the group
    for pairs in tables:
        assert pairs and all(column == label for column, label in pairs), pairs
