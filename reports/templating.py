"""The Jinja2 environments (one per process and configuration), and the reports' file writes.

Kept apart from the page builders so that worker processes rendering private reports import only this
(and the French filters), not the chart or warehouse code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.formatting import FILTERS, NBSP, format_number

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


Filters = tuple[tuple[str, Callable[..., Any]], ...]


@cache
def jinja_environment(
    folders: tuple[Path, ...],
    filters: Filters = (),
    *,
    trim_blocks: bool = False,
    keep_trailing_newline: bool = True,
) -> Environment:
    """The one Jinja2 environment of this process for these template folders (searched in order) and
    filters: templates are compiled once. HTML is autoescaped, an undefined variable is an error."""
    env = Environment(
        loader=FileSystemLoader(folders),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        keep_trailing_newline=keep_trailing_newline,
        auto_reload=False,  # templates ship with the code: no stat of each one at every render
    )
    env.filters.update(filters)
    return env


def build_environment() -> Environment:
    """The site's and private reports' environment: their templates and the French filters."""
    return jinja_environment((TEMPLATES_DIR,), REPORT_FILTERS, trim_blocks=True)


def format_change(value: float) -> str:
    """A relative change as a signed whole percentage: -0.123 -> '−12 %', 0.05 -> '+5 %'."""
    text = format_number(100 * value, 0)
    return ("+" if text[0].isdigit() and text != "0" else "") + text + NBSP + "%"


REPORT_FILTERS: Filters = (*FILTERS.items(), ("fr_change", format_change))


def write_text(path: Path, text: str) -> None:
    """UTF-8, LF line endings, whatever the platform."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def copy_static(target_dir: Path) -> None:
    """Copy reports/static/ byte for byte."""
    for source in sorted(STATIC_DIR.iterdir()):
        if source.is_file():
            target = target_dir / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
