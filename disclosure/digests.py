"""What an establishment's inputs to a cell are, as a digest: editions store them, and a later freeze
takes an establishment whose digest changed for one whose figures changed (`disclosure/corrections.py`).
The text of a row must therefore never change between versions (`tests/unit/test_member_digest.py`)."""

from __future__ import annotations

import hashlib
from typing import Any

from disclosure.cells import CellInput, Member, known_sum


def member_digests(
    cell: CellInput, texts: dict[int, str] | None = None
) -> dict[str, tuple[str, float | None]]:
    """finess -> (digest of its members' figures in the cell, its patients). `texts` keeps each
    member's text by identity across cells (a member is in its use-case cell and its ENSEMBLE row)."""
    texts = {} if texts is None else texts
    mine: dict[str, list[Member]] = {}
    for member in cell.members:
        mine.setdefault(member.finess, []).append(member)
    out = {}
    for finess, members in mine.items():
        rows = []
        for m in members:
            text = texts.get(id(m))
            if text is None:
                text = texts[id(m)] = row_text(m)  # a named tuple of scalars
            rows.append(text)
        out[finess] = (digest_texts(rows), known_sum(m.patients for m in members))
    return out


def row_text(row: tuple[Any, ...]) -> str:
    """A row of figures as digest() writes it: the repr of the row with each float as the text of its
    10 significant digits (`repr(tuple(format(v, ".10g") if float else v))`, one %-format per row)."""
    kinds = tuple(map(type, row))
    template = _ROW_TEMPLATES.get(kinds)
    if template is None:
        template = _ROW_TEMPLATES[kinds] = _row_template(kinds)
    return template % row


_ROW_TEMPLATES: dict[tuple[type, ...], str] = {}


def _row_template(kinds: tuple[type, ...]) -> str:
    """The %-format of a row whose values have these types: a float's "%.10g" is format(v, ".10g")
    and, being digits, signs, "e", "inf" or "nan", its repr is itself in quotes; any other value
    is its repr, as in a tuple's (and a 1-tuple's trailing comma)."""
    parts = ["'%.10g'" if issubclass(kind, float) else "%r" for kind in kinds]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def digest_texts(texts: list[str]) -> str:
    return hashlib.sha256(repr(sorted(texts)).encode()).hexdigest()


def digest(rows: list[tuple[Any, ...]]) -> str:
    """A hash of figures; floats at 10 significant digits. The views sum exactly (migration 016), so
    the same rows give the same figures in any order DuckDB adds them."""
    return digest_texts([row_text(row) for row in rows])
