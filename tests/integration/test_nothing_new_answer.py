"""`tlkpi quarter` with nothing new answers from the kept answer while nothing it reads has changed, and
computes again as soon as the warehouse, the rules or the code did."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import series_data
from golden_data import E1, QUARTER, build_golden_warehouse, submit

import disclosure.editions
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


def test_an_edition_holding_a_correction_is_nothing_new_without_the_series_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edition 2 of the chain's 2025-T3 holds a table (a late correction kept back): its rows were
    fingerprinted in the order of the release, held tables last, and are read back in published order.
    Publishing it again with nothing new must see the same edition at once, as for any other, not
    redo the joint audit of every edition (the whole cost of a freeze) to find it out."""
    chain = series_data.build_chain(tmp_path / "series", Rules())
    audited: list[str] = []
    protect = disclosure.editions.protect_series

    def counted(con: object, quarter: str, *args: object, **kwargs: object) -> object:
        audited.append(quarter)
        return protect(con, quarter, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(disclosure.editions, "protect_series", counted)
    with open_warehouse(chain.settings.warehouse_path) as con:
        again = freeze_edition(con, "2025-T3", Rules())
    assert any(d.held for d in again.decisions), "the edition holds a table: the case under test"
    assert (again.edition.number, again.created) == (2, False)
    assert audited == []
    known = unchanged_publication(chain.settings, "2025-T3")
    assert known is not None and known.number == 2
