"""Vega-Lite specifications to static, accessible SVG with vl-convert, many at a time in worker processes.

vl-convert renders offline, with no data URL allowed, and gives the same bytes for the same spec in any
process. About 40 ms of CPU per chart: a site's few hundred charts are shared between the CPUs. They
come in a few shapes that differ only by their top-level `datasets`, so each shape is compiled to Vega
once and its data put in place (the Vega that vl-convert would compile, checked by the tests).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any

import vl_convert

from reports.workers import map_in_workers, worker_count

CHARTS_PER_WORKER = 40  # below this, a second process costs more than it saves
_ARIA_ATTRIBUTE = re.compile(r' (?:role|aria-[a-z]+)="[^"]*"')
_SVG_OPTIONS: dict[str, Any] = {"format_locale": "fr-FR", "allowed_base_urls": []}


def render_svg(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, with French number formats and no external data allowed."""
    return vl_convert.vegalite_to_svg(spec, **_SVG_OPTIONS)


def vega_svg(vega_spec: dict[str, Any]) -> str:
    """The SVG of a compiled (Vega) spec, with the options of render_svg."""
    return vl_convert.vega_to_svg(vega_spec, **_SVG_OPTIONS)


def compile_specs(specs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Vega of each Vega-Lite spec, compiling each shape (the spec without its datasets) once."""
    shapes: dict[str, dict[str, Any]] = {}
    compiled = []
    for spec in specs:
        datasets = spec.get("datasets", {})
        shape = {key: value for key, value in spec.items() if key not in ("datasets", "usermeta")}
        key = json.dumps(shape, sort_keys=True)
        if key not in shapes:
            shapes[key] = vl_convert.vegalite_to_vega({**shape, "datasets": {name: [] for name in datasets}})
        vega = copy.deepcopy(shapes[key])
        # Vega-Lite sizes no concatenated chart on a fixed canvas (autosize none): its height is given
        height = spec.get("usermeta", {}).get("height")
        if height is not None:
            vega["height"] = height
        for entry in vega.get("data", []):
            if entry.get("name") in datasets:
                entry["values"] = datasets[entry["name"]]
        compiled.append(vega)
    return compiled


def render_svgs(specs: Sequence[dict[str, Any]], workers: int = 0) -> list[str]:
    """The SVG of each Vega-Lite spec, in order; `workers` processes (0: one per CPU when there are
    enough charts)."""
    return map_in_workers(
        vega_svg, compile_specs(specs), worker_count(workers, len(specs), CHARTS_PER_WORKER)
    )


def accessible_svg(svg: str, labelled_by: str) -> str:
    """One image for assistive technologies: the marks' own roles dropped, the root named by the caption."""
    svg = _ARIA_ATTRIBUTE.sub("", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{labelled_by}" focusable="false" ', 1)
