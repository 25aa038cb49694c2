"""The Jinja2 environment shared by the public site and the private reports, and their file writes.

Kept apart from the page builders so that worker processes rendering private reports import only this
(and the French filters), not the chart or warehouse code.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.formatting import FILTERS, NBSP, format_number

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def build_environment() -> Environment:
    """Jinja2 with HTML autoescaping, strict undefined variables and the French filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["fr_change"] = format_change
    return env


def format_change(value: float) -> str:
    """A relative change as a signed whole percentage: -0.123 -> '−12 %', 0.05 -> '+5 %'."""
    text = format_number(100 * value, 0)
    return ("+" if text[0].isdigit() and text != "0" else "") + text + NBSP + "%"


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
