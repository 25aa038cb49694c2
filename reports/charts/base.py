"""Charts of the published site: Altair specifications rendered at build time to inline static SVG.

Each chart comes with a title, a French text alternative and the table of the numbers it draws.
Charts only draw published statistics (quantiles, medians), never an establishment's own value.
A chart is built first (spec, texts, table), then rendered with the others in one batch
(`render_charts`, reports/charts/svg.py), so that the SVGs can be shared between processes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import altair as alt

from disclosure.benchmark import BenchmarkCell, RoiCell
from disclosure.cells import TOTAL, TOTAL_LABEL
from reports.charts.svg import accessible_svg, render_svgs
from reports.formatting import format_share

ACCENT = "#000091"  # the site's accent colour: 13:1 on white
REFERENCE = "#6a6a6a"  # 5.3:1 on white
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
PILOT_LABEL, REFERENCE_LABEL = "Phase pilote", "Référence"
QUANTILES, THRESHOLD = "quantiles", "seuil"
LABEL_BAND = 150  # pixels left of the plot for the series labels
TICKS = 5  # x-axis ticks: about 85 px apart on a 420 px plot, room for "−12 500"


@dataclass(frozen=True, eq=False)
class Chart:
    """A chart: `spec` is its Vega-Lite specification and `svg`, empty until `render_charts`, the
    trusted markup vl-convert made of it; everything else is plain text."""

    ident: str
    title: str
    description: str
    spec: dict[str, Any]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    svg: str = ""
    legend: tuple[tuple[str, str, str], ...] = ()  # (label, colour, how it is drawn), shown in HTML
    note: str = ""  # a warning shown above the chart (a vertical axis that does not start at zero)


def render_charts(charts: Sequence[Chart], workers: int = 0) -> list[Chart]:
    """The charts with their accessible SVG, rendered in one batch (`workers` as in render_svgs)."""
    svgs = render_svgs([chart.spec for chart in charts], workers)
    return [
        replace(chart, svg=accessible_svg(svg, f"{chart.ident}-titre {chart.ident}-texte"))
        for chart, svg in zip(charts, svgs, strict=True)
    ]


def configure(
    chart: alt.TopLevelMixin, width: int, height: int, left: int = LABEL_BAND, top: int = 8, bottom: int = 42
) -> str:
    """Size, fonts and colours shared by every chart (the figure caption carries the title), as JSON.

    Nothing in the layout depends on how wide a text is, so the SVG is the same whatever fonts the
    machine has: a fixed canvas (no autosize) with fixed room for the labels, a fixed number of
    ticks, and no label hidden or cut by measuring it (labelOverlap, labelLimit).
    """
    configured = chart.properties(
        width=width,
        height=height,
        autosize=alt.AutoSizeParams(type="none"),
        padding={"left": left, "right": 28, "top": top, "bottom": bottom},
    )
    return style(configured, left).to_json(sort_keys=True)


def style(chart: alt.TopLevelMixin, left: int) -> alt.TopLevelMixin:
    """Fonts, colours and fixed axis extents (`left` pixels for the y labels) shared by every chart."""
    configured = chart.configure(font=FONT, aria=False, background="white")
    configured = configured.configure_axis(
        labelColor="#1e1e1e",
        titleColor="#1e1e1e",
        labelFontSize=12,
        titleFontSize=12,
        labelOverlap=False,
        labelLimit=0,
        labelBound=False,
    )
    configured = configured.configure_axisY(minExtent=left - 8, maxExtent=left - 8)
    configured = configured.configure_axisX(minExtent=18, maxExtent=18, tickCount=TICKS)
    return configured.configure_view(stroke="#6a6a6a")


@cache
def quantile_template(axis_title: str, rows: int, whiskers: bool, threshold: bool) -> str:
    """The spec of a quantile chart without its data, built (and validated) once per shape.

    The data go in the spec's top-level `datasets`, named QUANTILES and THRESHOLD: Altair's build and
    validation cost more than the rendering, and a site has a few shapes for a hundred charts.
    """
    base = alt.Chart(alt.NamedData(name=QUANTILES)).encode(y=alt.Y("serie:N", title=None, sort=None))
    x_axis = alt.X("p25:Q", title=axis_title, scale=alt.Scale(zero=False, nice=True))
    layers: list[alt.Chart] = []
    if whiskers:
        layers.append(base.mark_rule(color=ACCENT, strokeWidth=2).encode(x="p10:Q", x2="p90:Q"))
    layers.append(base.mark_bar(color=ACCENT, opacity=0.35, size=16).encode(x=x_axis, x2="p75:Q"))
    colours = alt.Scale(range=[ACCENT, REFERENCE])
    median = base.mark_tick(thickness=3, size=24).encode(
        x="median:Q", color=alt.Color("serie:N", scale=colours, legend=None, sort=None)
    )
    layers.append(median)
    if threshold:
        line = alt.Chart(alt.NamedData(name=THRESHOLD)).mark_rule(
            color="#1e1e1e", strokeDash=[6, 4], strokeWidth=2
        )
        layers.append(line.encode(x="seuil:Q"))
    return configure(alt.layer(*layers), width=420, height=26 * rows + 10)


def quantile_spec(
    data: list[dict[str, Any]], axis_title: str, whiskers: bool = True, threshold: float | None = None
) -> dict[str, Any]:
    """P10–P90 as a line (with `whiskers`), P25–P75 as a box, the median as a tick: one row per series;
    a dashed line at the threshold when there is one."""
    spec: dict[str, Any] = json.loads(
        quantile_template(axis_title, len(data), whiskers, threshold is not None)
    )
    spec["datasets"] = {QUANTILES: data, THRESHOLD: [{"seuil": threshold}] if threshold is not None else []}
    return spec


def kpi_rows(cell: BenchmarkCell) -> list[dict[str, Any]]:
    pilot = {"serie": PILOT_LABEL, "median": cell.pilot_median}
    pilot.update(p10=cell.pilot_p10, p25=cell.pilot_p25, p75=cell.pilot_p75, p90=cell.pilot_p90)
    rows = [pilot]
    if cell.baseline_median is not None:
        rows.append({"serie": REFERENCE_LABEL, "median": cell.baseline_median})
    return rows


def kpi_spec(cell: BenchmarkCell) -> dict[str, Any]:
    """The distribution of the pilot values (published quantiles) against the baseline median."""
    return quantile_spec(kpi_rows(cell), cell.unit, threshold=cell.threshold)


def roi_label(row: RoiCell) -> str:
    return TOTAL_LABEL if row.use_case == TOTAL else row.use_case


def roi_chart(rows: Sequence[RoiCell], ident: str, title: str) -> Chart | None:
    """ROI per use case (P25–P75 and median, in %), for the rows that are published."""
    shown = [row for row in rows if not row.withheld and row.roi_median is not None]
    if not shown:
        return None
    data = [
        {
            "serie": roi_label(row),
            "median": 100 * (row.roi_median or 0),
            "p25": 100 * (row.roi_p25 or 0),
            "p75": 100 * (row.roi_p75 or 0),
        }
        for row in shown
    ]
    spec = quantile_spec(data, "ROI (%)", whiskers=False)
    words = "; ".join(
        f"{roi_label(row)} : médiane {_share(row.roi_median)} (P25 {_share(row.roi_p25)}, P75 {_share(row.roi_p75)})"
        for row in shown
    )
    return Chart(
        ident=ident,
        title=title,
        description=f"Retour sur investissement des expérimentations. {words}.",
        spec=spec,
        columns=("Cas d'usage", "P25", "Médiane", "P75", "Part des ROI positifs"),
        rows=tuple(
            (
                roi_label(r),
                _share(r.roi_p25),
                _share(r.roi_median),
                _share(r.roi_p75),
                _share(r.share_positive),
            )
            for r in shown
        ),
    )


def _share(value: float | None) -> str:
    return "—" if value is None else format_share(value)
