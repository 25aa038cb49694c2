"""The README's two commands: `tlkpi access grant FINESS --email ADDRESS` prints an activation code,
`tlkpi portal` serves the portal on loopback where that code lets the referent choose a passphrase and
log in; `list` shows activation and last login, `revoke` ends one referent; a port in use is one line."""

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


EMAIL = "clerc@chu-exemple.fr"
CODE = re.compile(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}")


def test_grant_list_revoke(tmp_path: Path) -> None:
    root = str(tmp_path / "var")
    # a data root that does not exist yet is refused, unless the operator asks for a new one
    refused = tlkpi("access", "grant", FINESS, "--email", EMAIL, "--data-root", root)
    assert refused.returncode == 2 and "does not exist" in refused.stderr and "--create" in refused.stderr
    assert not (tmp_path / "var").exists()
    granted = tlkpi("access", "grant", FINESS, "--email", EMAIL, "--data-root", root, "--create")
    assert granted.returncode == 0 and CODE.search(granted.stdout) and "14 days" in granted.stdout
    assert (
        tlkpi("access", "grant", FINESS, "--email", "x@chu-exemple.fr", "--data-root", root).returncode == 0
    )
    listed = tlkpi("access", "list", "--data-root", root).stdout
    assert f"{FINESS}  {EMAIL}  awaiting activation  last login never" in listed
    assert tlkpi("access", "grant", "12345", "--email", EMAIL, "--data-root", root).returncode == 2
    assert tlkpi("access", "grant", FINESS, "--data-root", root).returncode == 2  # --email is required
    assert tlkpi("access", "revoke", EMAIL, "--data-root", root).returncode == 0
    listed = tlkpi("access", "list", "--data-root", root).stdout
    assert EMAIL not in listed and "x@chu-exemple.fr" in listed
    assert tlkpi("access", "revoke", EMAIL, "--data-root", root).returncode == 1
    assert tlkpi("access", "revoke", FINESS, "--data-root", root).returncode == 0  # all of its referents
    assert "No referent yet" in tlkpi("access", "list", "--data-root", root).stdout


def start_portal(root: str, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TLKPI_PORTAL_PORT": str(port)}
    return subprocess.Popen(
        [str(TLKPI), "portal", "--data-root", root],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_portal_command_serves_on_loopback_and_the_code_activates_a_referent(tmp_path: Path) -> None:
    root = str(tmp_path / "var")
    code = CODE.search(
        tlkpi("access", "grant", FINESS, "--email", EMAIL, "--data-root", root, "--create").stdout
    )
    assert code
    port = free_port()
    server = start_portal(root, port)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                form = httpx.get(f"{url}/activation", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the portal did not start"
                time.sleep(0.2)
        with httpx.Client(base_url=url, cookies=form.cookies, timeout=10, follow_redirects=True) as client:
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert token
            asked = client.post(
                "/activation", data={"csrf": token.group(1), "email": EMAIL, "code": code.group(0)}
            )
            token = re.search(r'name="csrf" value="([^"]+)"', asked.text)
            assert asked.url.path == "/activation/phrase" and token
            phrase = "quatre mots bien choisis"
            done = client.post(
                "/activation/phrase", data={"csrf": token.group(1), "phrase": phrase, "confirmation": phrase}
            )
            assert done.url.path == "/depot" and "Déposer un fichier" in done.text
        listed = tlkpi("access", "list", "--data-root", root).stdout
        assert f"{FINESS}  {EMAIL}  active  last login 20" in listed
        # a second portal on the same port: one French line, and no address printed as if it listened
        second = start_portal(root, port)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 1 and out == ""
        assert err.count("\n") == 1 and err.startswith("error: le portail ne peut pas écouter sur")
        assert "déjà utilisé" in err and "address already in use" not in err.lower()
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert out.count(f"http://127.0.0.1:{port}/") == 1
