"""Hostile-input fixtures: a data root with an establishment register, files settled for 60 s."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import register

from tlkpi.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A data root whose register lists HOME and PEERS; uploads must have settled for 5 s."""
    chosen = Settings(data_root=tmp_path / "var", settle_seconds=5)
    register(chosen)
    return chosen
