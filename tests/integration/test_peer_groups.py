"""Peer groups: the same statistics per category of establishment where the rules allow, in the open
data beside the national rows; a group figure that would reveal a withheld one is withheld."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from report_data import insert_measurement, insert_submission

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.private.writer import render_private_reports
from reports.site.writer import render_quarter_site
from schemas.catalogue import default_catalogue
from tests.support.pages import visible_text
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import register_establishments, sync_catalogue

QUARTER = "2025-T4"
RULES = Rules(min_establishments=3, min_patients=11, min_position=4, min_extreme_position=4)
CHU = ("750000001", "690000002", "130000003")
CH = ("330000004", "440000005")
# Satisfaction without effectif: plain means, so a published mean gives its sum away. One of each
# group gets worse, so that the counts improved do not pin each member.
SCORES = {CHU[0]: (70, 80), CHU[1]: (72, 78), CHU[2]: (68, 66), CH[0]: (60, 75), CH[1]: (64, 60)}


def build(
    tmp_path: Path, categories: dict[str, str], scores: dict[str, tuple[int, int]] = SCORES
) -> Settings:
    settings = Settings(data_root=tmp_path / "var", min_establishments=3, min_patients=11, min_position=4,
                        min_extreme_position=4)  # fmt: skip
    with open_warehouse(settings.warehouse_path) as con:
        sync_catalogue(con, default_catalogue())
        register_establishments(
            con, [(f, f"Établissement {f}", c, "Bretagne", False) for f, c in categories.items()]
        )
        for finess, (reference, pilot) in scores.items():
            sub = insert_submission(con, finess, "accepted", datetime(2026, 1, 5))
            for period, phase, value in (("2025-T2", "reference", reference), (QUARTER, "pilote", pilot)):
                insert_measurement(
                    con, sub, finess, "UC01", "QUA_SATISFACTION", period, phase, (value, None, None, None)
                )
        freeze_edition(con, QUARTER, RULES)
    render_quarter_site(settings.warehouse, QUARTER, settings.site_dir, settings)
    return settings


def published(settings: Settings, stem: str) -> list[dict[str, str]]:
    text = (settings.site_dir / QUARTER / "data" / f"{stem}.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def uc01(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        row["peer_group"]: row
        for row in rows
        if row["use_case"] == "UC01" and row["kpi"] == "QUA_SATISFACTION"
    }


def test_a_group_that_would_reveal_the_withheld_other_is_withheld(tmp_path: Path) -> None:
    settings = build(tmp_path, {**dict.fromkeys(CHU, "CHU"), **dict.fromkeys(CH, "CH")})
    rows = uc01(published(settings, "benchmark"))
    assert list(rows) == ["national", "CH", "CHU"]  # national first, then the groups in code order
    national, ch, chu = rows["national"], rows["CH"], rows["CHU"]
    assert national["withheld"] == "false" and national["pilot_mean"] == "71.8"
    assert ch["withheld"] == "true" and ch["withheld_reason"] == "moins de 3 établissements"
    # The attack: 5 × national mean − 3 × CHU mean = the two CH scores. CHU must not give it away.
    assert chu["withheld"] == "true" and chu["pilot_mean"] == "" and chu["n_establishments"] == "3"
    assert "protège une autre case" in chu["withheld_reason"]


def test_a_group_of_its_own_is_published_and_a_missing_category_is_never_a_group(tmp_path: Path) -> None:
    settings = build(tmp_path, {**dict.fromkeys(CHU, "CHU"), CH[0]: "CHU"})  # CH[1] has no category
    rows = uc01(published(settings, "benchmark"))
    assert list(rows) == ["national", "CHU"]
    assert rows["national"]["pilot_mean"] == "71.8"
    # national − CHU would give the unknown one's score: the CHU row is withheld to protect it
    assert rows["CHU"]["withheld"] == "true" and rows["CHU"]["n_establishments"] == "4"
    assert {row["peer_group"] for row in published(settings, "roi")} <= {"national", "CHU"}


def test_groups_with_enough_establishments_are_published_side_by_side(tmp_path: Path) -> None:
    more = {"350000006": (66, 77), "290000007": (62, 74)}
    categories = {**dict.fromkeys(CHU, "CHU"), **dict.fromkeys((*CH, *more), "CH")}
    settings = build(tmp_path, categories, {**SCORES, **more})
    rows = uc01(published(settings, "benchmark"))
    assert {group: row["withheld"] for group, row in rows.items()} == {
        "national": "false",
        "CH": "false",
        "CHU": "false",
    }
    assert rows["CHU"]["pilot_mean"] == "74.7" and rows["CH"]["pilot_mean"] == "71.5"
    schema = (settings.site_dir / QUARTER / "data" / "benchmark.schema.json").read_text(encoding="utf-8")
    assert '"peer_group"' in schema


def test_a_private_report_compares_the_establishment_with_its_own_group_published_figures_only(
    tmp_path: Path,
) -> None:
    more = {"350000006": (66, 77), "290000007": (62, 74)}
    categories = {**dict.fromkeys(CHU, "CHU"), CH[0]: "CH", CH[1]: "CH"}
    settings = build(tmp_path / "both", {**categories, **dict.fromkeys(more, "CH")}, {**SCORES, **more})
    render_private_reports(settings.warehouse, QUARTER, tmp_path / "private")
    text = page_text(tmp_path / "private" / QUARTER / CHU[0] / "UC01.html")
    assert "Votre établissement face aux établissements comparables (CHU)" in text
    assert "80,0/100 74,7/100 (moyenne) 72,9/100 (moyenne)" in text

    alone = build(tmp_path / "alone", categories)  # two CH: their group figure is not published
    render_private_reports(alone.warehouse, QUARTER, tmp_path / "private-alone")
    text = page_text(tmp_path / "private-alone" / QUARTER / CH[0] / "UC01.html")
    assert "Groupe CH" in text and "75,0/100 non publié 71,8/100 (moyenne)" in text


def page_text(path: Path) -> str:
    """The visible text of a page, one space between the texts of elements."""
    return visible_text(path, " ")


def test_the_use_case_page_charts_the_national_and_each_group_figure(tmp_path: Path) -> None:
    more = {"350000006": (66, 77), "290000007": (62, 74)}
    categories = {**dict.fromkeys(CHU, "CHU"), **dict.fromkeys((*CH, *more), "CH")}
    settings = build(tmp_path / "both", categories, {**SCORES, **more})
    html = (settings.site_dir / QUARTER / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    figure = re.search(
        r'<figure class="chart" aria-labelledby="graphique-pairs-1-titre">.*?</figure>', html, re.S
    )
    assert figure is not None, "no national-vs-groups chart on the use-case page"
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", figure[0])
    assert {"National", "CH", "CHU", "72,9/100", "71,5/100", "74,7/100"} <= set(drawn)
    assert (
        "<summary>Données du graphique : Score de satisfaction patient (/100) : national et groupes"
        in figure[0]
    )

    alone = build(tmp_path / "alone", {**dict.fromkeys(CHU, "CHU"), **dict.fromkeys(CH, "CH")})
    html = (alone.site_dir / QUARTER / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    assert "graphique-pairs" not in html  # no group published: the table says why, no chart of nothing
    assert "non publié : moins de 3 établissements (2 établissements)" in html
