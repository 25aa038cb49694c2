"""Integration fixtures: a real DuckDB warehouse file in tmp_path, and files to drop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

HEADER = "finess,cas_usage,indicateur,periode,phase,valeur,numerateur,denominateur,effectif\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_root=tmp_path / "var")


@pytest.fixture
def warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(settings.warehouse_path) as con:
        sync_catalogue(con, default_catalogue())
        yield con


def drop_csv(settings: Settings, relative: str, rows: list[str]) -> Path:
    """Write a CSV into the inbox, as an establishment would."""
    path = settings.inbox_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def drop(settings: Settings) -> Callable[[str, list[str]], Path]:
    """drop(relative path in the inbox, CSV rows) -> the dropped file."""
    return lambda relative, rows: drop_csv(settings, relative, rows)
