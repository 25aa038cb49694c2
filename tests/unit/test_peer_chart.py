"""The national-vs-groups chart of a use-case page (reports/charts/peers.py): published levels drawn as
bars from zero, a withheld group written « non publié » with its reason (never a bar of 0), the change
panel only where a change is published, and the same SVG bytes every time."""

from __future__ import annotations

import re

from disclosure.peers import NATIONAL_WITHHELD_REASON
from disclosure.rules import SECONDARY_REASON
from reports.charts.base import render_charts
from reports.charts.peers import peer_chart, plain_reason
from tests.support.cells import benchmark_cell as cell

NATIONAL = cell(n_establishments=9, pilot_mean=50.0, baseline_mean=60.0, mean_change=-10.0)
CHU = cell(n_establishments=4, pilot_mean=42.5, baseline_mean=55.0, mean_change=-12.5)
CH = cell(n_establishments=2, withheld=True, withheld_reason="moins de 3 établissements")
ESMS = cell(n_establishments=3, withheld=True, withheld_reason=SECONDARY_REASON)


def entries(*groups: tuple[str, object]) -> list[tuple[str, object]]:
    return [("National", NATIONAL), *groups]


def test_withheld_groups_are_written_with_their_reason_not_drawn_as_zero() -> None:
    chart = peer_chart("Temps", "minutes", "2025-T4", entries(("CH", CH), ("CHU", CHU), ("ESMS", ESMS), ("X", None)), "g")  # type: ignore[arg-type]  # fmt: skip
    assert chart is not None
    bars = {row["groupe"]: row for row in chart.spec["datasets"]["groupes"]}
    assert (
        bars["CH"]["niveau"] is None
        and bars["CH"]["texte_niveau"] == "non publié : moins de 3 établissements"
    )
    assert (
        bars["ESMS"]["niveau"] is None
        and bars["ESMS"]["texte_niveau"] == "non publié : révélerait un chiffre masqué"
    )
    assert bars["X"]["texte_niveau"] == "pas de chiffre publié"
    assert bars["CHU"]["niveau"] == 42.5 and bars["CHU"]["texte_niveau"] == "42,5\u00a0minutes"
    assert chart.rows[1] == ("CH", "non publié : moins de 3 établissements", "—", "2")
    assert chart.rows[2] == ("CHU", "42,5\u00a0minutes (moyenne)", "−12,5\u00a0minutes", "4")
    assert "CH : non publié : moins de 3 établissements, 2 établissements" in chart.description
    assert (
        "National : 50,0\u00a0minutes (moyenne), 9 établissements, évolution depuis la référence −10,0"
        in chart.description
    )
    [rendered] = render_charts([chart], workers=1)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", rendered.svg)
    assert "non publié : moins de 3 établissements" in texts and "42,5\u00a0minutes" in texts
    assert "Évolution depuis la référence (minutes)" in texts  # the change panel is drawn
    assert 'role="img"' in rendered.svg and 'aria-labelledby="g-titre g-texte"' in rendered.svg
    height = int(re.search(r'<svg[^>]* height="(\d+)"', rendered.svg)[1])  # type: ignore[index]
    assert height == 8 + 2 * (26 * 5 + 10) + 36 + 24 + 42  # both panels and their axes on the canvas


def test_no_chart_without_a_published_group_level() -> None:
    assert peer_chart("Temps", "minutes", "2025-T4", entries(("CH", CH), ("ESMS", None)), "g") is None  # type: ignore[arg-type]


def test_the_change_panel_only_where_a_change_is_published_and_percent_changes_in_points() -> None:
    level_only = cell(n_establishments=5, pilot_mean=12.0, unit="%")
    chart = peer_chart("Taux", "%", "2025-T4", [("National", level_only), ("CHU", level_only)], "g")
    assert chart is not None and len(chart.spec["vconcat"]) == 1
    changed = cell(n_establishments=5, pilot_mean=12.0, mean_change=1.5, unit="%")
    chart = peer_chart("Taux", "%", "2025-T4", [("National", level_only), ("CHU", changed)], "g")
    assert chart is not None and len(chart.spec["vconcat"]) == 2
    national, group = chart.spec["datasets"]["groupes"]
    assert (
        national["texte_evolution"] == "évolution non publiée" and group["texte_evolution"] == "+1,5\u00a0pt"
    )


def test_the_chart_is_the_same_bytes_each_time() -> None:
    def build() -> str:
        chart = peer_chart("Temps", "minutes", "2025-T4", entries(("CH", CH), ("CHU", CHU)), "g")  # type: ignore[arg-type]
        assert chart is not None
        return render_charts([chart], workers=1)[0].svg

    assert build() == build()


def test_reasons_are_said_for_a_buyer_and_unknown_ones_kept() -> None:
    assert plain_reason(NATIONAL_WITHHELD_REASON) == "chiffre national masqué"
    assert plain_reason("un établissement représente plus de 85 % de la case") == "un établissement pèse trop"
    assert plain_reason("moins de 11 patients") == "moins de 11 patients"
    long = cell(
        n_establishments=3, withheld=True, withheld_reason="une raison nouvelle et très longue des règles"
    )
    chart = peer_chart("Temps", "minutes", "2025-T4", entries(("CHU", CHU), ("CH", long)), "g")  # type: ignore[arg-type]
    assert chart is not None
    assert chart.spec["datasets"]["groupes"][2]["texte_niveau"] == "non publié (raison dans le tableau)"
    assert chart.rows[2][1] == "non publié : une raison nouvelle et très longue des règles"


def test_two_charts_of_the_same_shape_each_name_their_own_groups_and_unit() -> None:
    """The spec is built once per shape (rows, change panel) and the names written in: a chart must never
    show the groups or the unit of the chart of that shape drawn before it."""
    first = peer_chart("Temps", "minutes", "2025-T4", entries(("CHU", CHU), ("CH", CH)), "a")  # type: ignore[arg-type]
    other = cell(n_establishments=4, pilot_mean=7.5, baseline_mean=9.0, mean_change=-1.5, unit="jours")
    second = peer_chart("Délai", "jours", "2025-T4", entries(('Groupe "Ouest" & Nord', other), ("ESMS", ESMS)), "b")  # type: ignore[arg-type]  # fmt: skip
    assert first is not None and second is not None
    for chart, names, unit in ((first, ["National", "CHU", "CH"], "minutes"),
                               (second, ["National", 'Groupe "Ouest" & Nord', "ESMS"], "jours")):  # fmt: skip
        text = str(chart.spec)
        assert "\x01" not in text
        domains = {str(layer["encoding"]["y"]["scale"]["domain"]) for panel in chart.spec["vconcat"]
                   for layer in panel["layer"] if "y" in layer.get("encoding", {})}  # fmt: skip
        assert domains == {str(names)}
        titles = [panel["layer"][0]["encoding"]["x"]["title"] for panel in chart.spec["vconcat"]]
        assert titles == [f"Niveau en phase pilote ({unit})", f"Évolution depuis la référence ({unit})"]
    [rendered] = render_charts([second], workers=1)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", rendered.svg)
    assert texts.count('Groupe "Ouest" &amp; Nord') == 2 and "CHU" not in texts  # one per panel
