"""The French report that tells an establishment why its file was refused and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schemas.messages import Issue

_TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_feedback(
    file_name: str, finess: str | None, received: str, issues: Sequence[Issue], n_rows: int
) -> str:
    """HTML page listing every error (row, column, value, rule, how to fix) then the warnings."""
    return (
        _environment()
        .get_template("feedback.html")
        .render(
            file_name=file_name,
            finess=finess,
            received=received,
            n_rows=n_rows,
            errors=[issue for issue in issues if issue.severity == "error"],
            warnings=[issue for issue in issues if issue.severity == "warning"],
        )
    )
