"""The analysts' console: `tlkpi serve` serves the Prefect UI at the address it prints; the deployments
page lists both deployments; a quarter run started through the API (as the UI's "Run" button does)
completes and its artifacts show in the UI; one SIGINT stops everything cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import CHROMIUM_FLAGS, chromium_path, require

from tests.support.inbox import delay_file, drop_file
from tests.support.ports import free_port
from tests.support.prefect_home import migrated_home
from tests.support.prefect_server import run_deployment, start_serve, tlkpi, wait_final_state

SITES = ("010780195", "010780906", "980600027")


def drop_quarter(root: Path) -> None:
    for number, finess in enumerate(SITES):
        drop_file(root / "inbox", finess, "kpi.csv", delay_file(finess, 55 + number, 42 + number))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """`tlkpi serve` as an analyst starts it; yields the printed UI address, the process and its log."""
    require(chromium_path() is not None, "no Chromium found (looked for `chromium` on PATH)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TLKPI_"))}
    # files dropped by the test are complete at once: no settle delay (TLKPI_SETTLE_SECONDS)
    env |= {
        "PREFECT_HOME": str(migrated_home(tmp_path / "prefect")),
        "TLKPI_SERVER_PORT": str(port),
        "DO_NOT_TRACK": "1",
    }
    env |= {"TLKPI_SETTLE_SECONDS": "0"}
    log = tmp_path / "serve.log"
    process = start_serve(env, tmp_path / "var", log, "--create")
    try:
        deadline = time.monotonic() + 240
        while "Prefect UI: " not in log.read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        line = next(line for line in log.read_text().splitlines() if line.startswith("Prefect UI: "))
        yield line.split()[2].rstrip("/"), process, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_the_prefect_ui_shows_deployments_runs_and_artifacts(
    served: tuple[str, subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    url, process, log = served
    api = f"{url}/api"
    drop_quarter(tmp_path / "var")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page()
            page.goto(f"{url}/deployments")
            expect(page.get_by_text("inbox", exact=True).first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("quarter", exact=True).first).to_be_visible(timeout=60_000)

            ingest_run = run_deployment(api, "inbox", {})
            assert wait_final_state(api, ingest_run) == "COMPLETED", log.read_text()[-3000:]
            quarter_run = run_deployment(api, "quarter", {"quarter": "2025-T3"})
            assert wait_final_state(api, quarter_run) == "COMPLETED", log.read_text()[-3000:]

            page.goto(f"{url}/runs/flow-run/{quarter_run}")
            logs = page.get_by_role("tabpanel")
            expect(logs).to_contain_text("aggregation: done in", timeout=60_000)
            expect(logs).to_contain_text("edition 1 published", timeout=60_000)
            page.goto(f"{url}/artifacts")  # the UI's Artifacts page: the latest artifact of every key
            expect(page.get_by_text("completeness-2025-t3").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("report-2025-t3").first).to_be_visible(timeout=60_000)
            page.get_by_text("completeness-2025-t3").first.click()
            expect(page.locator("body")).to_contain_text("Completeness of 2025-T3", timeout=60_000)
        finally:
            browser.close()
    assert (tmp_path / "var" / "site" / "2025-T3" / "index.html").exists()

    # while `tlkpi serve` runs, a command uses its server rather than starting a temporary API
    drop_quarter(tmp_path / "other")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TLKPI_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "DO_NOT_TRACK": "1", "TLKPI_SETTLE_SECONDS": "0"}
    ingest = tlkpi(env, "ingest", "--data-root", str(tmp_path / "other"))
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert "3 accepted" in ingest.stdout
    assert "temporary server" not in ingest.stderr and f"View at {url}/runs/flow-run/" in ingest.stderr

    stopped_at = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # one Ctrl-C in the terminal: the whole group gets it
    assert process.wait(timeout=60) == 0, log.read_text()[-3000:]
    assert time.monotonic() - stopped_at < 30
    output = log.read_text(errors="replace")
    assert "never awaited" not in output and "Traceback" not in output, output[-3000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{api}/health", timeout=5)
    assert not (tmp_path / "prefect" / "server.json").exists()


def test_serve_stops_on_sigterm_without_warnings(served: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    url, process, log = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text()[-3000:]
    output = log.read_text(errors="replace")
    assert "never awaited" not in output and "Traceback" not in output, output[-3000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/api/health", timeout=5)
