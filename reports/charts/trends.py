"""Charts that answer a buyer: a KPI's published figures by quarter (reference vs pilot), the programme's
headline figures by quarter, the ROI of each use case ranked, and the use case × domain matrix.

Same rules as reports/charts/base.py: published statistics only, a layout that measures no text (so the SVG
is the same whatever fonts are installed), a text alternative, the data as a table, and a legend in
HTML next to the chart rather than drawn by Vega (whose legend layout measures text).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import altair as alt

from disclosure.benchmark import TOTAL, BenchmarkCell, RoiCell
from disclosure.cells import TOTAL_LABEL
from reports.charts.base import ACCENT, PILOT_LABEL, REFERENCE, REFERENCE_LABEL, Chart, configure
from reports.formatting import format_share, format_value
from reports.published import Level, baseline_level, pilot_level, roi_level, roi_spread
from reports.summary import MatrixRow

POINTS, MATRIX, BARS = "points", "matrice", "barres"
QUARTER_WIDTH = 76  # pixels per quarter on a trend chart: room for "2025-T3" under each point
LABEL_CHARACTERS = 38  # a use case's name on a chart axis is cut (by us, not by measuring) past this
SOLID, DASHED, DOTTED = "trait plein", "tirets", "pointillés"


def short_label(code: str, label: str) -> str:
    """'UC01 — Chirurgie…' cut at LABEL_CHARACTERS characters; the ENSEMBLE row by its French name."""
    text = TOTAL_LABEL if code == TOTAL else f"{code} — {label}"
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1].rstrip() + "…"


@cache
def series_template(n_quarters: int, n_series: int, threshold: bool, percent: bool) -> str:
    """A line per series over the quarters, a point per published figure; named data POINTS."""
    series = [PILOT_LABEL, REFERENCE_LABEL][:n_series]
    colours = alt.Scale(domain=series, range=[ACCENT, REFERENCE][:n_series])
    dashes = alt.Scale(domain=series, range=[[1, 0], [6, 4]][:n_series])
    y_axis = alt.Axis(format=".1~%" if percent else ",.6~r", tickCount=5)
    base = alt.Chart(alt.NamedData(name=POINTS)).encode(
        x=alt.X("trimestre:O", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("valeur:Q", title=None, scale=alt.Scale(zero=False, nice=True), axis=y_axis),
        color=alt.Color("serie:N", scale=colours, legend=None),
    )
    layers: list[alt.Chart] = [
        base.mark_line(strokeWidth=2).encode(strokeDash=alt.StrokeDash("serie:N", scale=dashes, legend=None)),
        base.mark_point(filled=True, size=70, opacity=1).encode(
            shape=alt.Shape(
                "serie:N", scale=alt.Scale(domain=series, range=["circle", "square"]), legend=None
            )
        ),
    ]
    if threshold:
        layers.append(
            alt.Chart(alt.NamedData(name="seuil"))
            .mark_rule(color="#1e1e1e", strokeDash=[2, 3], strokeWidth=2)
            .encode(y="seuil:Q")
        )
    width = max(240, QUARTER_WIDTH * n_quarters)
    return configure(alt.layer(*layers), width=width, height=180, left=84)


def series_spec(
    points: list[dict[str, Any]], n_quarters: int, n_series: int, threshold: float | None, percent: bool
) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(series_template(n_quarters, n_series, threshold is not None, percent))
    spec["datasets"] = {POINTS: points, "seuil": [] if threshold is None else [{"seuil": threshold}]}
    return spec


def legend(n_series: int) -> tuple[tuple[str, str, str], ...]:
    entries = ((PILOT_LABEL, ACCENT, SOLID), (REFERENCE_LABEL, REFERENCE, DASHED))
    return entries[:n_series]


def _said(level: Level | None, unit: str) -> str:
    return "non publié" if level is None else f"{format_value(level.value, unit)} ({level.statistic})"


def said_statistics(statistics: Sequence[str]) -> str:
    """Which published statistic a series draws: 'moyenne', or 'moyenne, sinon médiane' when it mixes."""
    distinct = list(dict.fromkeys(statistics))
    return distinct[0] if len(distinct) == 1 else ", sinon ".join(distinct)


def kpi_trend_chart(history: Sequence[tuple[str, BenchmarkCell]], ident: str) -> Chart | None:
    """A KPI of a use case by quarter: the published pilot and reference levels (means when published,
    else medians) of every published quarter; None when no quarter publishes a level."""
    rows, points, levels = [], [], []
    statistics: dict[str, list[str]] = {PILOT_LABEL: [], REFERENCE_LABEL: []}
    for quarter, cell in history:
        pilot, baseline = (None, None) if cell.withheld else (pilot_level(cell), baseline_level(cell))
        no_reference = not cell.withheld and baseline is None and cell.linear_withheld_reason is None
        reference = "absente" if no_reference else _said(baseline, cell.unit)
        rows.append((quarter, reference, _said(pilot, cell.unit)))
        for serie, level in ((PILOT_LABEL, pilot), (REFERENCE_LABEL, baseline)):
            if level is not None:
                points.append({"trimestre": quarter, "serie": serie, "valeur": level.value})
                levels.append(level.value)
                statistics[serie].append(level.statistic)
    if not points:
        return None
    last = history[-1][1]
    quarters = [quarter for quarter, _ in history]
    words = "; ".join(f"{quarter} : référence {ref}, phase pilote {pil}" for quarter, ref, pil in rows)
    return Chart(
        ident=ident,
        title=f"{last.kpi_label} ({last.unit}) par trimestre : référence et phase pilote",
        description=f"{words}.",
        spec=series_spec(points, len(quarters), 2, last.threshold, percent=False),
        columns=("Trimestre", REFERENCE_LABEL, PILOT_LABEL),
        rows=tuple(rows),
        note=axis_note(levels, lambda value: format_value(value, last.unit)),
        legend=tuple(
            (f"{label} ({said_statistics(statistics[label])})", colour, style)
            for label, colour, style in legend(2)
            if statistics[label]
        )
        + ((("Seuil du référentiel", "#1e1e1e", DOTTED),) if last.threshold is not None else ()),
    )


def format_count(value: float) -> str:
    return format_value(value, "nombre")


def axis_note(values: Sequence[float], shown: Callable[[float], str]) -> str:
    """What a reader must be told when the vertical axis (zero=False, nice) will not start at zero:
    its values all sit well above it, so the scale starts near the smallest."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if low <= 0 or low < high - low:
        return ""
    return (
        f"Attention : l'axe vertical ne part pas de zéro (valeurs de {shown(low)} à {shown(high)}) ; "
        "les écarts paraissent plus grands qu'ils ne sont."
    )


def headline_chart(
    ident: str, title: str, values: Sequence[tuple[str, float | None]], percent: bool
) -> Chart:
    """One headline figure of the programme by quarter (a small multiple of the index)."""
    points = [{"trimestre": q, "serie": PILOT_LABEL, "valeur": v} for q, v in values if v is not None]
    shown = [
        (q, "non publié" if v is None else (format_share(v) if percent else format_value(v, "nombre")))
        for q, v in values
    ]
    return Chart(
        ident=ident,
        title=title,
        description="; ".join(f"{q} : {text}" for q, text in shown) + ".",
        spec=series_spec(points, len(values), 1, None, percent),
        columns=("Trimestre", title),
        rows=tuple(shown),
        note=axis_note([v for _, v in values if v is not None], format_share if percent else format_count),
    )


@cache
def bars_template(n_rows: int) -> str:
    """Horizontal bars of the ROI (in %), P25–P75 as a line when published; named data BARS."""
    base = alt.Chart(alt.NamedData(name=BARS)).encode(
        y=alt.Y("libelle:N", title=None, sort=None, axis=alt.Axis(labelAngle=0))
    )
    colours = alt.Scale(domain=["cas", "ensemble"], range=[ACCENT, REFERENCE])
    bars = base.mark_bar(size=16).encode(
        x=alt.X("roi:Q", title="ROI (%)", scale=alt.Scale(nice=True), axis=alt.Axis(format=",.0f")),
        color=alt.Color("genre:N", scale=colours, legend=None),
    )
    spread = base.mark_rule(color="#1e1e1e", strokeWidth=2).encode(x="p25:Q", x2="p75:Q")
    return configure(alt.layer(bars, spread), width=560, height=26 * n_rows + 10, left=90)


def roi_ranking_chart(rows: Sequence[RoiCell], ident: str) -> Chart | None:
    """The published ROI of each use case, highest first, the ENSEMBLE row last."""
    shown = [(row, level) for row in rows if (level := roi_level(row)) is not None]
    if not shown:
        return None
    shown.sort(key=lambda pair: (pair[0].use_case == TOTAL, -pair[1].value, pair[0].use_case))
    data, table = [], []
    for row, level in shown:
        spread = roi_spread(row)
        # the axis names a use case by its code (a long name was cut there); text and table in full
        label = TOTAL_LABEL if row.use_case == TOTAL else f"{row.use_case} — {row.use_case_label}"
        item = {
            "libelle": "Ensemble" if row.use_case == TOTAL else row.use_case,
            "roi": 100 * level.value,
            "genre": "ensemble" if row.use_case == TOTAL else "cas",
        }
        if spread is not None:
            item.update(p25=100 * spread[0], p75=100 * spread[1])
        data.append(item)
        interval = "—" if spread is None else f"{format_share(spread[0])} – {format_share(spread[1])}"
        table.append(
            (label, format_share(level.value), level.statistic, str(row.n_experimentations), interval)
        )
    spec: dict[str, Any] = json.loads(bars_template(len(data)))
    spec["datasets"] = {BARS: data}
    words = "; ".join(f"{label} : {roi} ({stat}, {n} expérimentations)" for label, roi, stat, n, _ in table)
    return Chart(
        ident=ident,
        title="ROI publié par cas d'usage, du plus élevé au plus faible",
        description=f"{words}.",
        spec=spec,
        columns=("Cas d'usage", "ROI", "Statistique", "Expérimentations", "P25–P75"),
        rows=tuple(table),
        legend=(
            ("ROI d'un cas d'usage", ACCENT, "barre"),
            ("ROI de l'ensemble des cas d'usage", REFERENCE, "barre"),
            ("P25–P75, quand il est publié", "#1e1e1e", SOLID),
        ),
    )


@cache
def matrix_template(rows: tuple[str, ...], domains: tuple[str, ...]) -> str:
    """The use case × domain grid: colour by share improved, the share and basis written in the cell."""
    base = alt.Chart(alt.NamedData(name=MATRIX)).encode(
        x=alt.X(
            "domaine:N",
            title=None,
            scale=alt.Scale(domain=list(domains)),
            axis=alt.Axis(orient="top", labelAngle=0),
        ),
        y=alt.Y("libelle:N", title=None, scale=alt.Scale(domain=list(rows))),
    )
    colour = alt.Color("part:Q", scale=alt.Scale(domain=[0, 1], range=["#f5f5fe", ACCENT]), legend=None)
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(color=colour)
    words = base.mark_text(fontSize=12, baseline="middle").encode(
        text="texte:N",
        color=alt.condition("datum.part > 0.55", alt.value("white"), alt.value("#1e1e1e")),
    )
    return configure(
        alt.layer(cells, words), width=180 * len(domains), height=28 * len(rows), left=300, top=34, bottom=8
    )


def matrix_chart(domains: Sequence[tuple[str, str]], rows: Sequence[MatrixRow], ident: str) -> Chart:
    labels = dict(domains)
    data, table = [], []
    for row in rows:
        label = short_label(row.code, row.label)
        texts = []
        for cell in row.cells:
            status = cell.status
            if status == "part" and cell.share is not None:
                text = f"{format_share(cell.share)} (n = {cell.n_experimentations})"
            else:
                text = {"vide": "—", "secret": "secret", "sans comparaison": "sans réf."}[status]
            texts.append(text)
            data.append({"domaine": labels[cell.domain], "libelle": label, "part": cell.share, "texte": text})
        table.append((label, *texts))
    labels_in_order = tuple(short_label(row.code, row.label) for row in rows)
    spec: dict[str, Any] = json.loads(
        matrix_template(labels_in_order, tuple(labels[code] for code, _ in domains))
    )
    spec["datasets"] = {MATRIX: data}
    return Chart(
        ident=ident,
        title="Part des indicateurs des expérimentations en amélioration, par cas d'usage et domaine",
        description=(
            "Chaque case donne la part des indicateurs des expérimentations qui se sont améliorés et, entre "
            "parenthèses, le nombre d'expérimentations ; « secret » : case non publiée (secret statistique) ; "
            "« sans réf. » : indicateurs publiés sans phase de référence (montants de la phase pilote) ; "
            "« — » : pas de données. Le tableau qui suit donne les mêmes valeurs, avec un lien vers chaque cas d'usage."
        ),
        spec=spec,
        columns=("Cas d'usage", *(label for _, label in domains)),
        rows=tuple(table),
        legend=(("part faible", "#f5f5fe", "case"), ("part élevée", ACCENT, "case")),
    )
