"""How `make test` shares the suite between its pytest-xdist workers (`--dist loadgroup
--no-loadscope-reorder`, with the scheduler below).

- A test file is one unit of work, so its module fixtures (a demo, a Prefect server, a browser) are made
  once, as with `--dist loadfile`. (pytest-xdist 3.8 cannot see `xdist_group` marks under pytest 9: it
  renames `item._nodeid`, which pytest 9 no longer reads; the scheduler groups by file itself.)
- The files in `SPREAD` are the exception: their tests are independent (no module or session fixture)
  and each costs seconds, so they go to whichever worker is free, test by test.
- The slowest units start first (`SLOWEST_FIRST`, with `--no-loadscope-reorder`): the long ones run
  side by side from the start and the short ones fill the gaps at the end, so neither worker waits
  alone for one last long file. A file not listed runs after them, in collection order.

Only order and placement change: every test runs, with the same fixtures.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadGroupScheduling

# Independent tests of a few seconds each, no module- or session-scoped fixture: spread test by test.
SPREAD = frozenset(
    {
        "tests/scaleout/test_ducklake_backend.py",
        "tests/production/test_server_and_worker.py",
        "tests/integration/test_faults.py",
        "tests/integration/test_batch_load.py",
        "tests/e2e/test_cli_portal.py",
        "tests/hostile/test_stops.py",
        "tests/e2e/test_prefect_ui.py",
        "tests/integration/test_portal_security.py",
        "tests/hostile/test_every_case.py",
        "tests/unit/test_every_rule.py",
        "tests/integration/test_byte_for_byte.py",
        "tests/integration/test_portal_referents.py",
        "tests/unit/test_cli_imports.py",
        "tests/integration/test_disclosure.py",
        "tests/e2e/test_cli_check.py",
    }
)

# The costliest units, costliest first: a file's wall time (fixtures included), or for a spread file its
# costliest test, from one full run on two workers (Dec 2026, quiet machine, 11 min 36 s; the junit file
# of `--junitxml`, summed per file). Update it when a file's cost moves.
SLOWEST_FIRST = (
    "tests/e2e/test_docs_run.py",  # 125 s: `tlkpi demo` once, then the documents' blocks on it
    "tests/integration/test_demo_pipeline.py",  # 88 s: the demo's five quarters and two second editions
    "tests/scaleout/test_prefect_on_postgres.py",  # 85 s: a server on PostgreSQL, two process workers
    "tests/production/test_server_and_worker.py",  # 56 s and 49 s (spread): a server each, a worker
    "tests/scaleout/test_ducklake_backend.py",  # 57 s (spread): the demo on both backends
    "tests/scaleout/test_concurrent_lake.py",  # 55 s
    "tests/scaleout/test_migrate_warehouse.py",  # 55 s: the demo, migrated to a lake
    "tests/e2e/test_site_in_browser.py",  # 55 s
    "tests/e2e/test_operator_faults.py",  # 53 s
    "tests/e2e/test_buyer_pages.py",  # 41 s
    "tests/e2e/test_prefect_ui.py",  # 39 s (spread)
    "tests/e2e/test_portal_in_browser.py",  # 39 s
    "tests/flows/test_operator_view.py",  # 35 s
    "tests/unit/test_suspect_rows.py",  # a Hypothesis search through Great Expectations
    "tests/integration/test_batch_load.py",  # 20 s (spread)
    "tests/flows/test_warm_runs.py",
    "tests/hostile/test_stops.py",  # 17 s (spread): a cold `tlkpi ingest` per test, the SIGTERM one in an empty Prefect home
    "tests/integration/test_demo_attacks.py",  # the demo, published twice
    "tests/integration/test_attacks.py",
    "tests/integration/test_faults.py",
    "tests/unit/test_validation.py",
    "tests/integration/test_portal_files_and_errors.py",
    "tests/e2e/test_cli_check.py",
    "tests/integration/test_contract_files.py",
    "tests/e2e/test_cli_portal.py",
    "tests/integration/test_quarter_report.py",
    "tests/integration/test_byte_for_byte.py",
    "tests/flows/test_pipeline.py",
    "tests/integration/test_portal_security.py",
    "tests/unit/test_robustness.py",
    "tests/integration/test_editions.py",
    "tests/e2e/test_template_in_libreoffice.py",
    "tests/hostile/test_one_run.py",
    "tests/scaleout/test_readme_postgres.py",
    "tests/integration/test_peer_groups.py",
    "tests/scaleout/test_reception_order_lake.py",
    "tests/hostile/test_every_case.py",
    "tests/unit/test_every_rule.py",
    "tests/integration/test_portal_referents.py",
    "tests/unit/test_cli_imports.py",
    "tests/integration/test_disclosure.py",
)


def file_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def arrange(items: list[pytest.Item]) -> None:
    """Slowest files first; each file's tests stay together and in their order."""
    rank = {path: index for index, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(file_of(item), len(rank)))  # stable: collection order otherwise


class FilesSlowestFirst(LoadGroupScheduling):
    """`--dist loadgroup` whose groups are the test files, except the `SPREAD` files: their tests are
    scheduled one by one. Units go out in collection order (`--no-loadscope-reorder`), so slowest first."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.rfind("@") > nodeid.rfind("]"):  # an explicit xdist_group, should xdist see it again
            return super()._split_scope(nodeid)
        path = nodeid.split("::", 1)[0]
        return nodeid if path in SPREAD else path
