"""The house is built in floors: a room imports only the rooms listed below it in DESIGN.md's layout."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# Top floor first, as in the layout of DESIGN.md; flows/ may use any room, tlkpi/ none.
FLOORS = [
    "flows",
    "tasks",
    "portal",
    "demo",
    "intake",
    "reports",
    "disclosure",
    "warehouse",
    "schemas",
    "tlkpi",
]


def imported_rooms(path: Path) -> set[str]:
    rooms: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            rooms.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            rooms.add(node.module.split(".")[0])
    return rooms & set(FLOORS)


def upward_imports(room: str) -> list[str]:
    above = set(FLOORS[: FLOORS.index(room)])
    return [
        f"{path.relative_to(PROJECT)} imports {other}"
        for path in sorted((PROJECT / room).rglob("*.py"))
        for other in sorted(imported_rooms(path) & above)
    ]


@pytest.mark.parametrize("room", [room for room in FLOORS if (PROJECT / room).is_dir()])
def test_a_room_never_imports_a_room_above_it(room: str) -> None:
    assert upward_imports(room) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from intake.dropzone import Claim\nimport schemas.finess\n", encoding="utf-8")
    assert imported_rooms(module) == {"intake", "schemas"}
