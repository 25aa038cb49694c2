"""Vega-Lite specifications to static, accessible SVG with vl-convert, many at a time in worker processes.

vl-convert renders offline, with no data URL allowed, and gives the same bytes for the same spec in any
process. About 40 ms of CPU per chart: a site's few hundred charts are shared between the CPUs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import vl_convert

from reports.workers import map_in_workers, worker_count

CHARTS_PER_WORKER = 40  # below this, a second process costs more than it saves
_ARIA_ATTRIBUTE = re.compile(r' (?:role|aria-[a-z]+)="[^"]*"')


def render_svg(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, with French number formats and no external data allowed."""
    return vl_convert.vegalite_to_svg(spec, format_locale="fr-FR", allowed_base_urls=[])


def render_svgs(specs: Sequence[dict[str, Any]], workers: int = 0) -> list[str]:
    """The SVG of each spec, in order; `workers` processes (0: one per CPU when there are enough charts)."""
    return map_in_workers(render_svg, specs, worker_count(workers, len(specs), CHARTS_PER_WORKER))


def accessible_svg(svg: str, labelled_by: str) -> str:
    """One image for assistive technologies: the marks' own roles dropped, the root named by the caption."""
    svg = _ARIA_ATTRIBUTE.sub("", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{labelled_by}" focusable="false" ', 1)
