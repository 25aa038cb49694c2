"""« Établissements comparables » as a chart: for one KPI of a use case, the national pilot level and each
peer group's published level side by side, and below them the change since the reference where it is
published. A group whose figure is withheld is written « non publié » with its reason, never drawn as 0.

Same rules as reports/charts/base.py: published statistics only, bars that start at zero (so the axes
need no warning), a layout that measures no text, the numbers written at the end of the bars, a text
alternative, the data as a table and the legend in HTML.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import altair as alt

from disclosure.benchmark import BenchmarkCell
from disclosure.peers import NATIONAL_WITHHELD_REASON, PENDING_REASON
from disclosure.rules import SECONDARY_REASON
from reports.charts.base import ACCENT, REFERENCE, Chart, style
from reports.formatting import format_count, format_signed, format_value
from reports.published import Level, level_change, pilot_level

GROUPS = "groupes"
NATIONAL = "National"
ROW = 26  # pixels per bar
PLOT_WIDTH = 300  # with LEFT, 418 px: at 390 px the chart shrinks by 0.8 only
LEFT = 90  # room for « National » and the group codes, never cut
ROOM = 1.5  # the axis runs to 1.5 × the longest bar: room for the number written after it
PANEL_GAP = 24
X_AXIS = 36  # an x axis under a panel: its labels (extent 18) and its title
NOT_PUBLISHED, NO_FIGURE, NO_CHANGE = "non publié", "pas de chiffre publié", "évolution non publiée"
# The publication rules' reasons, said for a buyer; any other reason is shown as the rules wrote it.
PLAIN_REASONS = {
    SECONDARY_REASON: "révélerait un chiffre masqué",
    NATIONAL_WITHHELD_REASON: "chiffre national masqué",
    PENDING_REASON: "correction en attente",
}
WRITTEN = 44  # characters of words the chart writes in a row (at 12 px, inside PLOT_WIDTH)
DOMINANCE_STARTS = ("règle des p %", "un établissement représente")


def plain_reason(reason: str | None) -> str:
    """Why a group figure is not shown, in a buyer's words (short enough to be written in the chart)."""
    if reason is None:
        return "secret statistique"
    if reason.startswith(DOMINANCE_STARTS):
        return "un établissement pèse trop"
    return PLAIN_REASONS.get(reason, reason)


@dataclass(frozen=True)
class Bar:
    """One row of the chart: a published level (and change), or the words that say why there is none."""

    name: str
    cell: BenchmarkCell | None
    level: Level | None
    change: float | None

    @property
    def status(self) -> str:
        """'' when the level is drawn, else « non publié : raison » or « pas de chiffre publié »."""
        if self.level is not None:
            return ""
        if self.cell is None:
            return NO_FIGURE
        reason = self.cell.withheld_reason if self.cell.withheld else self.cell.linear_withheld_reason
        return f"{NOT_PUBLISHED} : {plain_reason(reason)}"


def bar_of(name: str, cell: BenchmarkCell | None) -> Bar:
    if cell is None or cell.withheld:
        return Bar(name, cell, None, None)
    level = pilot_level(cell)
    return Bar(name, cell, level, level_change(cell) if level is not None else None)


def change_unit(unit: str) -> str:
    """A change of a percentage is in points."""
    return "pt" if unit == "%" else unit


def peer_template(labels: tuple[str, ...], level_title: str, change_title: str | None) -> str:
    """The spec of a chart with these rows, without its data: the level panel, and the change panel
    when a change is published. Named data GROUPS (one row per bar) and 'etendue' (the axis ends).

    The rows' names and the titles are written into the spec of a chart of the same shape (as many rows,
    with or without the change panel): Altair takes 0.1-0.3 s to build one, and a demo quarter's site
    draws 14 peer charts of a few shapes (cached by their names, building them took 2.6 s of 7-8 s)."""
    text = shape_template(len(labels), change_title is not None)
    names = [*enumerate(labels), (LEVEL_TITLE, level_title), (CHANGE_TITLE, change_title or "")]
    for slot, name in names:
        text = text.replace(json.dumps(placeholder(slot)), json.dumps(name))
    if PLACEHOLDER_MARK in text:  # Altair wrote a name inside a longer text: not replaced
        raise RuntimeError("peer chart template: a row name or title was left as a placeholder")
    return text


LEVEL_TITLE, CHANGE_TITLE = -1, -2  # the placeholders of the titles; rows are numbered from 0
PLACEHOLDER_MARK = json.dumps("\x01")[1:-1]  # how the spec's JSON writes a placeholder's control character


def placeholder(slot: int) -> str:
    """The text standing for a row's name or a title in a cached template (control characters: no
    group nor unit is named so)."""
    return f"\x01{slot}\x01"


@cache
def shape_template(rows: int, with_change: bool) -> str:
    """`peer_template` with placeholders for the rows' names and the titles."""
    labels = [placeholder(number) for number in range(rows)]
    level_title, change_title = placeholder(LEVEL_TITLE), placeholder(CHANGE_TITLE)
    colours = alt.Scale(domain=["national", "groupe"], range=[REFERENCE, ACCENT])
    base = alt.Chart(alt.NamedData(name=GROUPS)).encode(
        y=alt.Y("groupe:N", title=None, sort=None, scale=alt.Scale(domain=labels))
    )
    reach = alt.Chart(alt.NamedData(name="etendue"))
    panels = [panel(base, reach, colours, "niveau", level_title, len(labels))]
    if with_change:
        panels.append(panel(base, reach, colours, "evolution", change_title, len(labels)))
    stack = alt.vconcat(*panels, spacing=PANEL_GAP).properties(
        autosize=alt.AutoSizeParams(type="none"),
        padding={"left": LEFT, "right": 28, "top": 8, "bottom": 42},
    )
    return style(stack, LEFT).to_json(sort_keys=True)


def panel(
    base: alt.Chart, reach: alt.Chart, colours: alt.Scale, field: str, title: str, rows: int
) -> alt.LayerChart:
    """Bars of `field` from zero, their value written after them (before them when negative), the
    words of the rows without a bar at the left edge, an invisible point at each end of the axis."""
    x = alt.X(
        f"{field}:Q",
        title=title,
        scale=alt.Scale(zero=True, nice=True),
        axis=alt.Axis(format=",.6~r", tickCount=4),
    )
    drawn = f"isValid(datum.{field})"
    text = f"texte_{field}"
    layers = [
        reach.mark_point(opacity=0).encode(x=x),
        base.mark_bar(size=16).encode(x=x, color=alt.Color("genre:N", scale=colours, legend=None)),
        base.mark_rule(color="#1e1e1e").encode(x=alt.datum(0)),
        base.transform_filter(f"{drawn} && datum.{field} >= 0")
        .mark_text(align="left", dx=4, fontSize=12, color="#1e1e1e")
        .encode(x=alt.X(f"{field}:Q"), text=f"{text}:N"),
        base.transform_filter(f"{drawn} && datum.{field} < 0")
        .mark_text(align="right", dx=-4, fontSize=12, color="#1e1e1e")
        .encode(x=alt.X(f"{field}:Q"), text=f"{text}:N"),
        base.transform_filter(f"!{drawn}")
        .mark_text(align="left", dx=4, fontSize=12, fontStyle="italic", color="#1e1e1e")
        .encode(x=alt.value(0), text=f"{text}:N"),
    ]
    return alt.LayerChart(layer=layers, width=PLOT_WIDTH, height=ROW * rows + 10)


def axis_reach(values: Sequence[float]) -> list[float]:
    """The two ends the axis must reach: zero, and each extreme bar with room for its number."""
    return [min(0.0, *values) * ROOM, max(0.0, *values) * ROOM]


def peer_chart(
    kpi_label: str, unit: str, quarter: str, entries: Sequence[tuple[str, BenchmarkCell | None]], ident: str
) -> Chart | None:
    """National and each group (`entries`: name, cell; national first); None when no group has a
    published level."""
    bars = [bar_of(name, cell) for name, cell in entries]
    if not any(bar.level is not None for bar in bars[1:]):
        return None
    with_change = any(bar.change is not None for bar in bars)
    delta = change_unit(unit)
    data = [
        {
            "groupe": bar.name,
            "genre": "national" if number == 0 else "groupe",
            "niveau": None if bar.level is None else bar.level.value,
            "texte_niveau": written(bar.status) if bar.level is None else format_value(bar.level.value, unit),
            "evolution": bar.change,
            "texte_evolution": changed(bar, delta),
        }
        for number, bar in enumerate(bars)
    ]
    levels = [bar.level.value for bar in bars if bar.level is not None]
    changes = [bar.change for bar in bars if bar.change is not None]
    reach = [{"niveau": value} for value in axis_reach(levels)]
    if with_change:
        reach += [{"evolution": value} for value in axis_reach(changes)]
    level_title = f"Niveau en phase pilote ({unit})"
    change_title = f"Évolution depuis la référence ({delta})" if with_change else None
    spec: dict[str, Any] = json.loads(
        peer_template(tuple(bar.name for bar in bars), level_title, change_title)
    )
    spec["datasets"] = {GROUPS: data, "etendue": reach}
    panels = 2 if with_change else 1
    spec["usermeta"] = {"height": panels * (ROW * len(bars) + 10) + (panels - 1) * (X_AXIS + PANEL_GAP)}
    rows = tuple(table_row(bar, unit, delta) for bar in bars)
    return Chart(
        ident=ident,
        title=f"{kpi_label} ({unit}) : national et groupes de pairs, phase pilote, trimestre {quarter}",
        description=description(bars, unit, delta, with_change),
        spec=spec,
        columns=("Groupe", "Niveau en phase pilote", "Évolution depuis la référence", "Établissements"),
        rows=rows,
        legend=(("National", REFERENCE, "barre"), ("Groupe de pairs", ACCENT, "barre")),
    )


def written(status: str) -> str:
    """The words of a row without a bar, as the chart writes them: never cut, the table says the rest."""
    return status if len(status) <= WRITTEN else f"{NOT_PUBLISHED} (raison dans le tableau)"


def changed(bar: Bar, delta: str) -> str:
    if bar.change is not None:
        return format_signed(bar.change, delta)
    return NO_CHANGE if bar.level is not None else ""


def said(bar: Bar, unit: str) -> str:
    if bar.level is None:
        return bar.status
    return f"{format_value(bar.level.value, unit)} ({bar.level.statistic})"


def establishments(bar: Bar) -> str:
    return "—" if bar.cell is None else format_count(bar.cell.n_establishments)


def table_row(bar: Bar, unit: str, delta: str) -> tuple[str, ...]:
    change = "—" if bar.change is None else format_signed(bar.change, delta)
    return (bar.name, said(bar, unit), change, establishments(bar))


def description(bars: Sequence[Bar], unit: str, delta: str, with_change: bool) -> str:
    """The chart in words: each row's level, statistic, establishments and change, or why none."""
    parts = []
    for bar in bars:
        words = said(bar, unit)
        if bar.cell is not None:
            count = bar.cell.n_establishments
            words += f", {format_count(count)} établissement{'s' if count > 1 else ''}"
        if with_change and bar.level is not None:
            change = "non publiée" if bar.change is None else format_signed(bar.change, delta)
            words += f", évolution depuis la référence {change}"
        parts.append(f"{bar.name} : {words}")
    return "Niveau en phase pilote. " + " ; ".join(parts) + "."
