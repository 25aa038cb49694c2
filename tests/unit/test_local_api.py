"""Which Prefect API a command uses: PREFECT_API_URL, else the server `tlkpi serve` recorded if it is
alive and answers, else none (the temporary API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.local_api import SERVER_FILE, running_server, use_running_server


def test_no_record_no_server(tmp_path: Path) -> None:
    assert running_server(tmp_path) is None


def test_a_record_left_by_a_dead_serve_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / SERVER_FILE).write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": int(dead.stdout)}))
    assert running_server(tmp_path) is None


def test_a_live_process_whose_server_does_not_answer_is_ignored(tmp_path: Path) -> None:
    (tmp_path / SERVER_FILE).write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 1}))
    assert running_server(tmp_path) is None


def test_an_explicit_api_url_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert use_running_server(tmp_path) == "http://127.0.0.1:4200/api"


def test_without_a_server_the_environment_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert use_running_server(tmp_path) is None
    assert "PREFECT_API_URL" not in os.environ
