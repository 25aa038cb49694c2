"""The visible text of a rendered page, as the tests read it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class Text(HTMLParser):
    """The texts of a page's elements, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(path: Path, between: str = "") -> str:
    """The visible text of a page, whitespace collapsed; `between` joins the texts of its elements."""
    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(between.join(parser.parts).split())
