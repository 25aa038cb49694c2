"""The published site and the private reports as a person sees them: a real headless Chromium follows
the navigation from file://, takes screenshots, runs axe-core (WCAG 2.1 AA), and the Nu Html Checker
validates every page. Markup in an establishment's comment must be inert everywhere.

Screenshots go to <tmp_path of the module>/screenshots/ (the path is printed with -s, and listed in
each test's assertion message on failure).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browser import WCAG_21_AA, open_browser, validate_html

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from intake.run import ingest_inbox
from reports.private.writer import render_private_reports
from reports.site.writer import render_quarter_site
from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import register_establishments, sync_catalogue

QUARTER = "2025-T3"
SITES = ("010780195", "010780906", "980600027", "2A0000014")
SCRIPT_COMMENT = '<script>alert("commentaire")</script>'
FORMULA_COMMENT = '=HYPERLINK("http://exemple.invalid/","cliquez")'
HEADER = [
    "finess",
    "cas_usage",
    "indicateur",
    "periode",
    "phase",
    "valeur",
    "numerateur",
    "denominateur",
    "effectif",
    "commentaire",
]


def rows_of(number: int, finess: str) -> list[list[Any]]:
    """UC01 for all four establishments (published cells and ROI), UC02 for two (withheld)."""
    rows = [
        [
            finess,
            "UC01",
            "EFF_DELAI_PEC",
            "2025-T1",
            "reference",
            60 + 5 * number,
            "",
            "",
            40,
            SCRIPT_COMMENT,
        ],
        [finess, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 45 + 3 * number, "", "", 40, FORMULA_COMMENT],
        [finess, "UC01", "QUA_READMISSION_30J", "2025-T1", "reference", "", 8 + number, 100, "", ""],
        [finess, "UC01", "QUA_READMISSION_30J", "2025-T3", "pilote", "", 5 + number, 100, "", SCRIPT_COMMENT],
        [finess, "UC01", "ECO_DEPENSES_EVITEES", "2025-T3", "pilote", 40000 + 5000 * number, "", "", "", ""],
        [finess, "UC01", "ECO_COUT_SOLUTION", "2025-T3", "pilote", 30000, "", "", "", FORMULA_COMMENT],
        [finess, "UC01", "ECO_PATIENTS_CONCERNES", "2025-T3", "pilote", 200 + 20 * number, "", "", "", ""],
    ]
    if number < 2:
        rows.append([finess, "UC02", "QUA_DMS", "2025-T3", "pilote", 4 + number, "", "", 30, SCRIPT_COMMENT])
    return rows


def drop_files(settings: Settings) -> None:
    for number, finess in enumerate(SITES):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerows([HEADER, *rows_of(number, finess)])
        folder = settings.inbox_dir / finess
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "indicateurs.csv").write_text(buffer.getvalue(), encoding="utf-8")


def ingest(settings: Settings) -> list[Any]:
    return ingest_inbox(settings, date(2026, 1, 20))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files with markup in their comments ingested for real, the quarter frozen, site and private reports written."""
    root = tmp_path_factory.mktemp("browser")
    settings = Settings(data_root=root / "var")
    drop_files(settings)
    outcomes = ingest(settings)
    assert [o.verdict for o in outcomes] == ["accepted"] * len(SITES), outcomes
    with open_warehouse(settings.warehouse_path) as con:
        sync_catalogue(con, default_catalogue())
        # one peer group of every site: the group pages, reports and calculator show its figures
        register_establishments(
            con, [(f, f"Centre hospitalier {n}", "CH", "Corse", False) for n, f in enumerate(SITES)]
        )
        # positions published from 3 experimentations here, so the pages carry their charts for the
        # browser checks (the default rules publish them from 10: tests/integration/test_attacks.py)
        freeze_edition(con, QUARTER, Rules(min_position=3, min_extreme_position=3))
    index = render_quarter_site(settings.warehouse_path, QUARTER, settings.site_dir, settings)
    private = render_private_reports(settings.warehouse_path, QUARTER, settings.root / "private")
    shots = root / "screenshots"
    shots.mkdir()
    return {
        "root": settings.root,
        "index": index,
        "use_case": index.parent / "cas-usage" / "UC01.html",
        "withheld": index.parent / "cas-usage" / "UC02.html",
        "methodologie": index.parent / "methodologie.html",
        "donnees": index.parent / "donnees.html",
        "private": next(p for p in private if p.parent.name == SITES[0]).parent / "UC01.html",
        "private_index": next(p for p in private if p.parent.name == SITES[0]),
        "calculator": index.parent / "cas-usage" / "UC01-estimer-roi.html",
        "warehouse": settings.warehouse_path,
        "shots": shots,
    }


@pytest.fixture(scope="module")
def browser(published: dict[str, Path]) -> Any:
    with open_browser() as chromium:
        yield chromium


def open_page(browser: Any, path: Path, width: int = 1280) -> tuple[Any, list[str]]:
    """A page at `path`; the returned list collects dialogs, console errors and non-file requests."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    incidents: list[str] = []
    page.on("dialog", lambda dialog: (incidents.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on(
        "console",
        lambda message: incidents.append(f"console: {message.text}") if message.type == "error" else None,
    )
    page.on(
        "request",
        lambda request: None if request.url.startswith("file://") else incidents.append(request.url),
    )
    page.goto(path.as_uri())
    return page, incidents


def test_navigation_from_index_to_a_use_case_and_back(browser: Any, published: dict[str, Path]) -> None:
    page, incidents = open_page(browser, published["index"])
    shots = published["shots"]
    page.screenshot(path=str(shots / "01-index.png"), full_page=True)
    page.get_by_role("link", name="UC01 — ", exact=False).first.click()
    page.wait_for_load_state()
    assert page.url == published["use_case"].as_uri()
    assert page.get_by_role("heading", level=1).inner_text().startswith("UC01")
    assert page.locator("figure.chart svg[role=img]").count() >= 2
    page.screenshot(path=str(shots / "02-cas-usage-UC01.png"), full_page=True)
    page.get_by_role("link", name="Retour au sommaire du trimestre 2025-T3").first.click()
    page.wait_for_load_state()
    assert page.url == published["index"].as_uri()
    page.get_by_role("link", name="Méthodologie").first.click()
    assert page.url == published["methodologie"].as_uri()
    page.get_by_role("link", name="Données ouvertes").first.click()
    assert page.url == published["donnees"].as_uri()
    assert incidents == [], incidents
    assert sorted(p.name for p in shots.glob("0*.png")) == ["01-index.png", "02-cas-usage-UC01.png"], shots


@pytest.mark.parametrize(
    "kind",
    ["index", "use_case", "withheld", "methodologie", "donnees", "private", "private_index", "calculator"],
)
def test_axe_finds_no_wcag_21_aa_violation(browser: Any, published: dict[str, Path], kind: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, incidents = open_page(browser, published[kind])
    page.screenshot(path=str(published["shots"] / f"axe-{kind}.png"), full_page=True)
    assert incidents == [], incidents  # before axe, whose own stylesheet requests file:// refuses
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    )
    assert results.violations_count == 0, results.generate_report()


def all_pages(published: dict[str, Path]) -> list[Path]:
    return sorted(
        [*published["index"].parent.rglob("*.html"), *(published["root"] / "private").rglob("*.html")]
    )


def test_every_page_is_valid_html(published: dict[str, Path]) -> None:
    pages = all_pages(published)
    assert len(pages) >= 10
    messages = validate_html(pages)
    assert messages == [], "\n".join(
        f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages
    )


def test_markup_in_comments_is_inert_everywhere(browser: Any, published: dict[str, Path]) -> None:
    # Comments are never published: no page or open-data file carries their text, escaped or not.
    for path in sorted(published["root"].joinpath("site").rglob("*")) + sorted(
        published["root"].joinpath("private").rglob("*")
    ):
        if path.is_file():
            content = path.read_bytes()
            for needle in (b"alert(", b"HYPERLINK", b'commentaire")', b"exemple.invalid"):
                assert needle not in content, (path, needle)
    for path in all_pages(published):
        page, incidents = open_page(browser, path)
        # Only the ROI calculator carries a script: inline, its own code, never an establishment's text.
        assert page.locator("script").count() <= (1 if path.name.endswith("-estimer-roi.html") else 0), path
        assert page.locator("script[src]").count() == 0, path
        assert incidents == [], (path, incidents)
        page.close()
