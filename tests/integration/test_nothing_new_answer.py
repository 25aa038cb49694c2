"""`tlkpi quarter` with nothing new answers from the kept answer while nothing it reads has changed, and
computes again as soon as the warehouse, the rules or the code did."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from golden_data import E1, QUARTER, build_golden_warehouse, submit

import reports.site.unchanged
from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.unchanged import answer_path, unchanged_publication
from reports.site.writer import render_quarter_site
from tlkpi.settings import Settings
from warehouse.db import open_warehouse


def published(tmp_path: Path) -> Settings:
    settings = Settings(data_root=tmp_path / "var")
    build_golden_warehouse(settings.warehouse_path)
    with open_warehouse(settings.warehouse_path) as con:
        freeze_edition(con, QUARTER, Rules.of(settings))
    render_quarter_site(settings.warehouse_path, QUARTER, settings.site_dir, settings)
    return settings


def count_computations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    computed: list[str] = []
    compute = reports.site.unchanged.unchanged_edition

    def counted(*args: object, **kwargs: object) -> object:
        computed.append(QUARTER)
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reports.site.unchanged, "unchanged_edition", counted)
    return computed


def test_the_answer_is_kept_while_the_warehouse_rules_and_site_stay_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = published(tmp_path)
    computed = count_computations(monkeypatch)
    first = unchanged_publication(settings, QUARTER)
    assert first is not None and first.number == 1 and computed == [QUARTER]
    assert answer_path(settings, QUARTER).is_file()
    again = unchanged_publication(settings, QUARTER)
    assert again == first and computed == [QUARTER]  # answered without computing the release

    stricter = Settings(data_root=settings.data_root, min_establishments=4)
    unchanged_publication(stricter, QUARTER)
    assert computed == [QUARTER, QUARTER]  # other rules: computed again

    (settings.site_dir / QUARTER / "index.html").write_text("edited by hand", encoding="utf-8")
    assert unchanged_publication(settings, QUARTER) is None  # the site no longer matches its manifest


def test_a_late_file_is_seen_although_an_answer_was_kept(tmp_path: Path) -> None:
    settings = published(tmp_path)
    assert unchanged_publication(settings, QUARTER) is not None
    with open_warehouse(settings.warehouse_path) as con:
        submit(con, "correction.csv", datetime(2025, 11, 20, 14, 0),
               [(E1, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 70, None, None, 20)])  # fmt: skip
    assert unchanged_publication(settings, QUARTER) is None
