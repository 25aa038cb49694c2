"""Which Prefect API a `tlkpi` command talks to, decided before Prefect is imported.

`tlkpi serve` records its server in PREFECT_HOME/server.json; while that server answers, commands use
it (a one-file ingest in seconds) instead of starting a temporary API of their own (10-20 s).
PREFECT_API_URL, when set, always wins.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import httpx

SERVER_FILE = "server.json"


def running_server(prefect_home: Path) -> str | None:
    """The API URL of the project's server started by `tlkpi serve`, when it answers; else None."""
    try:
        found = json.loads((prefect_home / SERVER_FILE).read_text(encoding="utf-8"))
        url = f"{found['url']}/api"
        os.kill(int(found["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(httpx.HTTPError):
        if httpx.get(f"{url}/health", timeout=2).status_code == 200:
            return url
    return None


def use_running_server(prefect_home: Path) -> str | None:
    """Point this process at the project's running server, if any and if no API is configured."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    url = running_server(prefect_home)
    if url:
        os.environ["PREFECT_API_URL"] = url
    return url


def record_server(prefect_home: Path, url: str) -> Path:
    marker = prefect_home / SERVER_FILE
    marker.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    return marker
