"""The README's two commands: `tlkpi access grant FINESS` prints a code, `tlkpi portal` serves the portal
on loopback where that code opens a session; `revoke` and `list` do what they say."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port

TLKPI = Path(sys.executable).parent / "tlkpi"
FINESS = "010780195"


def tlkpi(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TLKPI), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_grant_list_revoke(tmp_path: Path) -> None:
    root = str(tmp_path / "var")
    granted = tlkpi("access", "grant", FINESS, "--data-root", root)
    assert granted.returncode == 0 and re.search(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}", granted.stdout)
    listed = tlkpi("access", "list", "--data-root", root)
    assert FINESS in listed.stdout
    assert tlkpi("access", "grant", "12345", "--data-root", root).returncode == 2
    assert tlkpi("access", "revoke", FINESS, "--data-root", root).returncode == 0
    assert FINESS not in tlkpi("access", "list", "--data-root", root).stdout
    assert tlkpi("access", "revoke", FINESS, "--data-root", root).returncode == 1


def test_the_portal_command_serves_on_loopback_and_the_code_opens_a_session(tmp_path: Path) -> None:
    root = str(tmp_path / "var")
    code = re.search(
        r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}", tlkpi("access", "grant", FINESS, "--data-root", root).stdout
    )
    assert code
    port = free_port()
    env = {**os.environ, "TLKPI_PORTAL_PORT": str(port)}
    server = subprocess.Popen(
        [str(TLKPI), "portal", "--data-root", root], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                login = httpx.get(f"{url}/connexion", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the portal did not start"
                time.sleep(0.2)
        with httpx.Client(base_url=url, cookies=login.cookies, timeout=10) as client:
            token = re.search(r'name="csrf" value="([^"]+)"', login.text)
            assert token
            response = client.post(
                "/connexion", data={"csrf": token.group(1), "finess": FINESS, "code": code.group(0)}
            )
            assert response.status_code == 303 and response.headers["location"] == "/depot"
            assert "Déposer un fichier" in client.get("/depot").text
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
