"""One temporary Prefect API for the whole flows session (starting it costs seconds)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import prefect.testing.utilities
import pytest
from prefect.testing.utilities import prefect_test_harness

from tests.support.prefect_home import migrated_database


def migrated_temporary_folder() -> str:
    """The harness's temporary folder, holding a copy of the migrated database under the name the harness
    gives its own (tests/support/prefect_home.py): its server starts without migrating (~7 s)."""
    folder = tempfile.mkdtemp()
    shutil.copyfile(migrated_database(), f"{folder}/prefect-test.db")
    return folder


@pytest.fixture(scope="session", autouse=True)
def prefect_api(monkeypatch_session: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch_session.setattr(prefect.testing.utilities, "mkdtemp", migrated_temporary_folder)
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch
