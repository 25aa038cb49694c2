"""The pages beyond the tables: charts, methodologie.html, donnees.html, Table Schemas, manifest.json."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import duckdb
import pytest
import vl_convert
from report_data import QUARTER, build_report_warehouse, render

from disclosure.editions import find_edition, read_benchmark
from disclosure.rules import Rules
from reports.charts.base import kpi_rows, kpi_spec, quantile_spec
from reports.charts.svg import compile_specs, render_svg, render_svgs
from schemas.catalogue import default_catalogue
from tests.support.pages import visible_text
from warehouse.db import open_warehouse

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    warehouse = build_report_warehouse(root)
    render(warehouse, root / "site")
    return root / "site" / QUARTER


def page_text(path: Path) -> str:
    return visible_text(path)


def french_methodology_paragraphs() -> list[str]:
    """The paragraphs and list items of the French part of docs/methodology.md, markdown removed."""
    text = (PROJECT / "docs" / "methodology.md").read_text(encoding="utf-8")
    french = text.split("## Français", 1)[1].split("## English", 1)[0]
    paragraphs = []
    for block in re.split(r"\n\s*\n|\n(?=- )", french):
        plain = " ".join(re.sub(r"\*\*|`|^- ", "", block.strip()).split())
        if plain:
            paragraphs.append(plain)
    return paragraphs


@pytest.fixture(scope="module")
def default_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report site frozen under the default rules (the thresholds docs/methodology.md states)."""
    root = tmp_path_factory.mktemp("default")
    render(build_report_warehouse(root, Rules()), root / "site")
    return root / "site" / QUARTER


@pytest.mark.parametrize("paragraph", french_methodology_paragraphs())
def test_methodology_page_carries_the_text_of_docs_methodology(default_site: Path, paragraph: str) -> None:
    assert paragraph in page_text(default_site / "methodologie.html")


def test_methodology_page_defines_every_kpi_of_the_catalogue(site: Path) -> None:
    text = page_text(site / "methodologie.html")
    catalogue = default_catalogue()
    for kpi in catalogue.kpis.values():
        assert kpi.code in text and " ".join(kpi.definition.split()) in text
    for use_case in catalogue.use_cases.values():
        assert f"{use_case.code} — {use_case.label}" in text


def test_open_data_has_a_table_schema_matching_each_csv(site: Path) -> None:
    for stem in ("benchmark", "roi"):
        schema = json.loads((site / "data" / f"{stem}.schema.json").read_text(encoding="utf-8"))
        header = next(
            csv.reader(io.StringIO((site / "data" / f"{stem}.csv").read_text("utf-8-sig")), delimiter=";")
        )
        assert [field["name"] for field in schema["fields"]] == header
        assert all(field["type"] in {"string", "integer", "number", "boolean"} for field in schema["fields"])
        assert set(schema["primaryKey"]) <= set(header) and schema["missingValues"] == [""]


def test_donnees_page_lists_every_file_and_column(site: Path) -> None:
    html = (site / "donnees.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', html))
    for name in ("benchmark", "roi"):
        assert {f"data/{name}.csv", f"data/{name}.parquet", f"data/{name}.schema.json"} <= links
    assert "manifest.json" in links
    assert "<code>median_relative_change</code>" in html and "<code>share_positive</code>" in html
    manifest = html[html.index('id="manifeste"') :]  # what it says of the manifest is what it holds
    assert "n'y figurent pas, pas même par leur" in manifest and "de chacun des" not in manifest


def test_manifest_lists_code_and_every_published_file_and_no_input(site: Path) -> None:
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["edition"]["quarter"] == QUARTER and manifest["edition"]["number"] == 1
    assert "frozen_at" not in json.dumps(manifest)  # no wall-clock time
    warehouse = site.parents[1] / "warehouse" / "tlkpi.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        hashes = [
            row[0]
            for row in con.execute("SELECT sha256 FROM edition_submission ORDER BY submission_id").fetchall()
        ]
    assert "inputs" not in manifest and "fingerprint" not in manifest["edition"]
    assert not any(digest in (site / "manifest.json").read_text(encoding="utf-8") for digest in hashes)
    provenance = json.loads(
        (site.parents[1] / "audit" / QUARTER / "edition-1-inputs.json").read_text(encoding="utf-8")
    )  # the operator's copy, beside site/
    assert [entry["sha256"] for entry in provenance["inputs"]] == hashes
    assert all(set(entry) == {"submission_id", "sha256", "received_at"} for entry in provenance["inputs"])
    assert manifest["code"]["tlkpi"] and "vl-convert-python" in manifest["code"]["packages"]
    commit = manifest["code"]["git_commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit)
    files = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(files) == on_disk
    for path, entry in files.items():
        assert hashlib.sha256((site / path).read_bytes()).hexdigest() == entry["sha256"]


def test_each_published_kpi_has_an_accessible_chart_and_withheld_ones_none(site: Path) -> None:
    html = (site / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="chart".*?</figure>', html, flags=re.S)
    assert len(figures) == 2  # the two published KPIs of UC01
    for figure in figures:
        ident = re.search(r'<figcaption id="([^"]+)-titre">', figure)
        assert ident, figure[:200]
        assert f'<svg role="img" aria-labelledby="{ident[1]}-titre {ident[1]}-texte"' in figure
        assert f'<p class="chart-text" id="{ident[1]}-texte">{QUARTER} : référence' in figure
        assert "<summary>Données du graphique" in figure and '<th scope="col">Phase pilote</th>' in figure
        assert not re.search(r"<svg[^>]*>.*\s(?:aria-roledescription|role=\"graphics)", figure, flags=re.S)
    withheld = (site / "cas-usage" / "UC02.html").read_text(encoding="utf-8")
    assert '<figure class="chart"' not in withheld


def test_chart_svg_is_byte_stable(site: Path) -> None:
    warehouse = site.parents[1] / "warehouse" / "tlkpi.duckdb"
    with open_warehouse(warehouse, read_only=True) as con:
        edition = find_edition(con, QUARTER)
        assert edition is not None
        cell = next(c for c in read_benchmark(con, edition) if not c.withheld)
    assert render_svg(kpi_spec(cell)) == render_svg(kpi_spec(cell))


def test_chart_svg_is_the_same_from_worker_processes(site: Path) -> None:
    warehouse = site.parents[1] / "warehouse" / "tlkpi.duckdb"
    with open_warehouse(warehouse, read_only=True) as con:
        edition = find_edition(con, QUARTER)
        assert edition is not None
        specs = [kpi_spec(c) for c in read_benchmark(con, edition) if not c.withheld and c.pilot_median]
    assert len(specs) >= 2
    assert render_svgs(specs, workers=2) == [render_svg(spec) for spec in specs]


def test_each_chart_shape_compiles_once_to_the_same_vega(site: Path) -> None:
    warehouse = site.parents[1] / "warehouse" / "tlkpi.duckdb"
    with open_warehouse(warehouse, read_only=True) as con:
        edition = find_edition(con, QUARTER)
        assert edition is not None
        cells = [c for c in read_benchmark(con, edition) if not c.withheld and c.pilot_median]
    specs = [kpi_spec(c) for c in cells] + [
        quantile_spec([{"serie": "A", "median": 1, "p25": 0, "p75": 2}], "ROI (%)", whiskers=False)
    ]
    specs += [quantile_spec(kpi_rows(cells[0]), "nombre", threshold=threshold) for threshold in (None, 5.0)]
    assert compile_specs(specs) == [vl_convert.vegalite_to_vega(spec) for spec in specs]


def test_index_navigates_by_use_case_and_by_domain(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="cas-usage/UC01.html#domaine-QUA"' in html and 'href="methodologie.html"' in html
    assert "Complétude du trimestre" in html
