"""The demo-data generator: valid establishments, realistic files, same bytes per seed, one mistake per bad file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from demo.demo_data import DemoSummary, demo_establishments, generate_demo, write_late_files
from schemas.catalogue import default_catalogue
from schemas.columns import normalize_phase
from schemas.finess import is_valid_finess
from schemas.periods import Period, parse_period
from tests.support.demo_files import read_rows, violations


@dataclass(frozen=True)
class Demo:
    root: Path
    summary: DemoSummary


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo")
    return Demo(root, generate_demo(root))


def hash_tree(root: Path) -> dict[str, str]:
    """The bytes of every file, but the reception ledger (when the pipeline saw them: times, not data)."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).parts[0] != "reception"
    }


def inbox_files(demo: Demo) -> list[str]:
    inbox = demo.root / "inbox"
    return sorted(path.relative_to(demo.root).as_posix() for path in inbox.rglob("*") if path.is_file())


def accepted_files(demo: Demo) -> list[str]:
    return [path for path in inbox_files(demo) if path not in demo.summary.broken_files]


def test_establishments_have_valid_finess_across_regions() -> None:
    establishments = demo_establishments()
    finess = [establishment.finess for establishment in establishments]
    assert len(establishments) >= 30
    assert all(is_valid_finess(number) for number in finess)
    assert len(set(finess)) == len(finess)
    assert any(number.startswith(("971", "972", "973", "974", "976")) for number in finess)
    assert any(number.startswith(("2A", "2B")) for number in finess)
    assert {establishment.category for establishment in establishments} == {"CHU", "CH", "ESMS"}
    assert len({establishment.region for establishment in establishments}) >= 10
    assert 2 <= sum(establishment.public_name for establishment in establishments) <= 3


def test_reference_file_lists_the_establishments(demo: Demo) -> None:
    text = (demo.root / "reference" / "establishments.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == "finess,name,category,region,public_name"
    assert [row["finess"] for row in rows] == [e.finess for e in demo_establishments()]
    assert {row["public_name"] for row in rows} == {"true", "false"}
    assert demo.summary.establishments == len(rows)


def test_experimentations_cover_every_use_case(demo: Demo) -> None:
    pairs: dict[tuple[str, str], set[str]] = {}
    for relative in accepted_files(demo):
        for row in read_rows(demo.root / relative)[1]:
            pairs.setdefault((row.finess, row.cas_usage), set()).add(row.indicateur)
    assert len(pairs) == demo.summary.experimentations >= 60
    assert {use_case for _, use_case in pairs} == set(default_catalogue().use_cases)
    assert all(4 <= len(kpis - {"ECO_PATIENTS_CONCERNES"}) <= 9 for kpis in pairs.values())
    eco = {"ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_COUT_SOLUTION"}
    assert sum(eco <= kpis for kpis in pairs.values()) >= 0.8 * len(pairs)


def test_same_seed_gives_identical_bytes_and_keeps_other_files(demo: Demo, tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "ancien.csv").write_bytes(b"garde-moi")
    assert generate_demo(tmp_path, seed=2025) == demo.summary
    first = hash_tree(tmp_path)
    generate_demo(tmp_path, seed=2025)
    assert hash_tree(tmp_path) == first
    assert first.pop("archive/ancien.csv") == hashlib.sha256(b"garde-moi").hexdigest()
    assert first == hash_tree(demo.root)


def test_other_seed_gives_other_data(demo: Demo, tmp_path: Path) -> None:
    generate_demo(tmp_path, seed=7)
    assert hash_tree(tmp_path) != hash_tree(demo.root)


def test_accepted_files_break_no_rule(demo: Demo) -> None:
    broken = {relative: violations(demo.root, relative) for relative in accepted_files(demo)}
    assert {relative: rules for relative, rules in broken.items() if rules} == {}
    assert 100 <= demo.summary.files_written == len(inbox_files(demo)) <= 260


def test_each_broken_file_breaks_exactly_its_rule(demo: Demo) -> None:
    expected = demo.summary.broken_files
    assert 4 <= len(expected) <= 6
    assert {"finess_cle", "valeur_hors_plage", "finess_hors_dossier", "colonne_manquante"} <= set(
        expected.values()
    )
    assert {relative: violations(demo.root, relative) for relative in expected} == {
        relative: {rule} for relative, rule in expected.items()
    }


def test_some_files_are_dropped_straight_in_the_inbox(demo: Demo) -> None:
    loose = [relative for relative in accepted_files(demo) if relative.count("/") == 1]
    assert len(loose) >= 2


def test_french_excel_export_is_cp1252_with_semicolons_and_decimal_commas(demo: Demo) -> None:
    exports = []
    for relative in accepted_files(demo):
        data = (demo.root / relative).read_bytes()
        if relative.endswith(".csv") and not data.startswith(b"\xef\xbb\xbf"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                exports.append(data)
    assert exports
    for data in exports:
        text = data.decode("cp1252")
        assert text.startswith("FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;")
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
        values = [row[5] for row in csv.reader(io.StringIO(text), delimiter=";")][1:]
        assert any("," in value for value in values)
        assert not any("." in value for value in values)


def test_formats_are_mixed(demo: Demo) -> None:
    files = accepted_files(demo)
    heads = [(demo.root / relative).read_bytes()[:40] for relative in files if relative.endswith(".csv")]
    assert any(head.startswith(b"\xef\xbb\xbffiness,use_case,kpi,period") for head in heads)
    assert any(head.startswith(b"finess,cas_usage,indicateur,periode") for head in heads)
    workbooks = [CalamineWorkbook.from_path(str(demo.root / f)) for f in files if f.endswith(".xlsx")]
    assert any(workbook.sheet_names == ["Notice", "indicateurs"] for workbook in workbooks)
    assert all("indicateurs" in workbook.sheet_names for workbook in workbooks)
    parquet = [f for f in files if f.endswith(".parquet")]
    schema = pq.read_schema(demo.root / parquet[0])
    assert str(schema.field("finess").type) == "string"
    assert str(schema.field("valeur").type) == "double"
    assert str(schema.field("denominateur").type) == "int64"


def test_periods_phases_and_values_look_real(demo: Demo) -> None:
    rows = [row for relative in accepted_files(demo) for row in read_rows(demo.root / relative)[1]]
    periods = {row.periode for row in rows}
    phases = {row.phase for row in rows}
    assert demo.summary.latest_quarter == "2025-T4" and "2025-T4" in periods
    assert any("Q" in period for period in periods)
    assert {"2024-03", "2025-09"} <= periods
    assert {"reference", "pilote"} <= phases and phases & {"référence", "baseline", "pilot"}
    assert any(row.valeur is None for row in rows)
    assert any(row.commentaire for row in rows)
    headcounts = [row.effectif for row in rows if row.effectif is not None]
    assert any(count < 11 for count in headcounts) and mean(headcounts) > 11


def test_most_experimentations_improve_and_some_get_worse(demo: Demo) -> None:
    series: dict[tuple[str, str, str, str | None], list[float]] = {}
    for relative in accepted_files(demo):
        for row in read_rows(demo.root / relative)[1]:
            key = (row.finess, row.cas_usage, row.indicateur, normalize_phase(row.phase))
            series.setdefault(key, []).append(row.measured)
    kpis = default_catalogue().kpis
    outcomes = []
    for (finess, use_case, code, phase), values in series.items():
        if phase == "reference" and (finess, use_case, code, "pilote") in series:
            change = mean(series[(finess, use_case, code, "pilote")]) - mean(values)
            outcomes.append(change < 0 if kpis[code].lower_is_better else change > 0)
    assert len(outcomes) > 200
    assert 0.6 <= sum(outcomes) / len(outcomes) <= 0.97


def test_the_demo_inbox_is_taken_by_a_run_under_the_default_settle_delay(demo: Demo) -> None:
    """`tlkpi demo` ingests right after writing: its files must look like uploads that have settled."""
    from intake import dropzone
    from tlkpi.settings import Settings

    delay = Settings.model_fields["settle_seconds"].default
    assert delay > 0
    inbox = demo.root / "inbox"
    every_file = [p for p in inbox.rglob("*") if dropzone.is_candidate(p)]
    assert sorted(dropzone.discover(inbox, delay)) == sorted(every_file)


def read_calendar_rows(demo: Demo) -> list[dict[str, str]]:
    text = (demo.root / "reference" / "experimentations.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_calendar_is_a_programme_history_that_ends_with_2025_t4(demo: Demo) -> None:
    calendar = read_calendar_rows(demo)
    assert len(calendar) == demo.summary.experimentations
    assert demo.summary.quarters == ("2024-T4", "2025-T1", "2025-T2", "2025-T3", "2025-T4")
    starts, ends = Counter(r["start_quarter"] for r in calendar), Counter(r["end_quarter"] for r in calendar)
    assert set(starts) == {"2024-T4", "2025-T1", "2025-T2"} and starts["2024-T4"] > len(calendar) / 2
    assert set(ends) == {"2025-T2", "2025-T3", "2025-T4"}  # some leave early; nobody runs past the programme
    schema = json.loads(
        (demo.root / "reference" / "experimentations.schema.json").read_text(encoding="utf-8")
    )
    assert [field["name"] for field in schema["fields"]] == [
        "finess",
        "use_case",
        "start_quarter",
        "end_quarter",
    ]


def test_each_experimentation_reports_its_calendar_quarters_and_the_year_before(demo: Demo) -> None:
    calendar = {
        (r["finess"], r["use_case"]): (r["start_quarter"], r["end_quarter"]) for r in read_calendar_rows(demo)
    }
    quarters: dict[tuple[str, str, str | None], set[str]] = {}
    for relative in accepted_files(demo):
        for row in read_rows(demo.root / relative)[1]:
            period = parse_period(row.periode)
            assert period is not None
            key = (row.finess, row.cas_usage, normalize_phase(row.phase))
            quarters.setdefault(key, set()).add(period.quarter_label)
    late = 0
    for (finess, use_case), (start, end) in calendar.items():
        pilot = quarters[(finess, use_case, "pilote")]
        assert min(pilot) == start and max(pilot) in (end, previous_quarter(end))
        late += max(pilot) != end
        reference = sorted(quarters[(finess, use_case, "reference")])
        assert len(reference) == 4 and reference[-1] == previous_quarter(start)
    assert late == 1  # the one experimentation whose last quarter comes in the late drop


def previous_quarter(label: str) -> str:
    period = parse_period(label)
    assert period is not None
    return (
        Period(period.year, period.quarter - 1).label
        if period.quarter > 1
        else Period(period.year - 1, 4).label
    )


def test_the_late_drop_brings_the_missing_quarter_and_corrections_breaking_no_rule(
    demo: Demo, tmp_path: Path
) -> None:
    generate_demo(tmp_path)
    before = set(hash_tree(tmp_path))
    drop = write_late_files(tmp_path)
    assert set(hash_tree(tmp_path)) - before == set(drop.files) and len(drop.files) == 4
    assert drop.quarters == ("2025-T3", "2025-T4")
    for relative in drop.files:
        assert violations(tmp_path, relative) == set(), relative
    corrections = [read_rows(tmp_path / relative)[1] for relative in drop.files[1:]]
    assert len({rows[0].finess for rows in corrections}) == 3
    assert len({rows[0].cas_usage for rows in corrections}) == 1
    assert all(parse_period(row.periode).quarter_label == "2025-T3" for rows in corrections for row in rows)  # type: ignore[union-attr]
