"""One temporary Prefect API for the whole flows session (starting it costs seconds)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from unittest.mock import patch

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
def prefect_api() -> Iterator[None]:
    with (
        patch.object(prefect.testing.utilities, "mkdtemp", migrated_temporary_folder),
        prefect_test_harness(server_startup_timeout=120),
    ):
        yield
