"""Same warehouse + same code = the same bytes: whatever fonts the machine has, and for an earlier
edition re-rendered after a later one was published.

The font test renders the site in two separate processes: one with the machine's fonts, one whose
home folder adds fonts named like the first families of the charts' font list ("Arial", "Roboto"),
made from a monospaced font so that every text measures differently. A layout that measured text
(label overlap, label truncation, autosize) would give other SVG bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from report_data import QUARTER, A, build_report_warehouse, insert_measurement, insert_submission, render

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.writer import render_quarter_site
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

PROJECT = Path(__file__).resolve().parents[2]
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
RENDER = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from report_data import render
render(Path({warehouse!r}), Path({site!r}))
"""


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "editions" not in path.relative_to(root).parts
    }


def monospaced_font() -> Path:
    found = sorted(path for folder in FONT_DIRS if folder.is_dir() for path in folder.rglob("*Mono*.ttf"))
    if not found:
        pytest.skip("no monospaced TrueType font on this machine to build the other font configuration")
    return found[0]


def write_renamed_font(source: Path, family: str, target: Path) -> None:
    """A copy of `source` that calls itself `family` (name table: family, full name, PostScript name)."""
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = family.replace(" ", "")
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)


def render_in_process(warehouse: Path, site: Path, home: Path) -> Path:
    """Render the site in a new Python process whose home folder (and its fonts) is `home`."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    code = RENDER.format(tests=str(Path(__file__).parent), warehouse=str(warehouse), site=str(site))
    subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT, check=True, timeout=600)
    return site / QUARTER


@pytest.mark.parametrize("category", [None, "CHU"], ids=["national", "with-peer-group-charts"])
def test_site_bytes_do_not_depend_on_the_fonts_installed(tmp_path: Path, category: str | None) -> None:
    warehouse = build_report_warehouse(tmp_path, category=category)
    mono = monospaced_font()
    other = tmp_path / "home-with-fonts"
    for family in ("Arial", "Roboto", "Helvetica Neue"):
        write_renamed_font(mono, family, other / ".fonts" / f"{family.replace(' ', '')}.ttf")
        write_renamed_font(mono, family, other / ".local" / "share" / "fonts" / f"{family}.ttf")
    plain = digests(render_in_process(warehouse, tmp_path / "site-a", tmp_path / "home-plain"))
    fonts = digests(render_in_process(warehouse, tmp_path / "site-b", other))
    assert any(name.endswith(".html") and "cas-usage" in name for name in plain)
    page = (tmp_path / "site-a" / QUARTER / "cas-usage" / "UC01.html").read_text(encoding="utf-8")
    assert ("graphique-pairs-1-titre" in page) == (category is not None)  # the peer chart is rendered
    assert plain.keys() == fonts.keys()
    assert [name for name in plain if plain[name] != fonts[name]] == []


def correct_late(warehouse: Path) -> None:
    """Establishment A corrects one pilot value after edition 1: edition 2 is frozen."""
    with open_warehouse(warehouse) as con:
        submission = insert_submission(con, A, "accepted", datetime(2026, 2, 3, 10, 0))
        insert_measurement(
            con, submission, A, "UC01", "EFF_DELAI_PEC", "2025-T4", "pilote", (55, None, None, 20)
        )
        con.execute(
            "UPDATE measurement SET superseded = true WHERE finess = ? AND kpi = 'EFF_DELAI_PEC' "
            "AND phase = 'pilote' AND submission_id <> ?",
            [A, submission],
        )
        freeze = freeze_edition(con, QUARTER, Rules(min_establishments=3, min_patients=11))
    assert freeze.edition.number == 2


@pytest.mark.parametrize("category", [None, "CHU"], ids=["national", "with-peer-group-charts"])
def test_an_earlier_edition_renders_again_to_the_same_bytes(tmp_path: Path, category: str | None) -> None:
    warehouse = build_report_warehouse(tmp_path, category=category)
    first = digests(render(warehouse, tmp_path / "site").parent)
    correct_late(warehouse)
    again = render_quarter_site(
        warehouse,
        QUARTER,
        tmp_path / "site",
        Settings(data_root=tmp_path, min_establishments=3, min_patients=11),
        number=1,
    )
    assert again.parent == tmp_path / "site" / QUARTER / "editions" / "1"
    reproduced = digests(again.parent)
    assert "Complétude du trimestre" in (again.parent / "index.html").read_text(encoding="utf-8")
    assert reproduced.keys() == first.keys()
    assert [name for name in first if first[name] != reproduced[name]] == []
