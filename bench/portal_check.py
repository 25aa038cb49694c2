"""Latency of the portal's instant check: a 200-row file posted to a real uvicorn server on loopback,
median of 10 (after the server's own warm-up). Run: `.venv/bin/python -m bench.portal_check`."""

from __future__ import annotations

import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from portal.access import AccessStore
from portal.app import create_app
from tlkpi.settings import Settings

FINESS = "010780195"
REFERENT, PASSPHRASE = "referent@chu-exemple.fr", "mesure du temps de verification"
RATES = [
    "EFF_TAUX_OCCUPATION",
    "QUA_READMISSION_30J",
    "QUA_EVENEMENTS_INDESIRABLES",
    "ATT_TURNOVER",
    "ATT_FIDELISATION",
]
MONTHS = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(20)]


def two_hundred_rows(broken_every: int = 0) -> bytes:
    lines = ["FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Numérateur;Dénominateur"]
    for kpi in RATES:
        for month in MONTHS:
            for phase in ("reference", "pilote"):
                value = "douze" if broken_every and len(lines) % broken_every == 0 else "12,5"
                lines.append(f"{FINESS};UC01;{kpi};{month};{phase};{value};5;40")
    assert len(lines) == 201
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def measure(runs: int = 10) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as scratch:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        settings = Settings(data_root=Path(scratch) / "var", portal_port=port)
        store = AccessStore(settings.portal_dir)
        activation = store.check_activation(REFERENT, store.grant(FINESS, REFERENT))
        assert activation is not None
        store.activate(activation, PASSPHRASE)
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        timings: dict[str, list[float]] = {"acceptable": [], "20 errors": []}
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", timeout=30, follow_redirects=True
            ) as client:
                token = re.search(r'name="csrf" value="([^"]+)"', client.get("/connexion").text).group(1)  # type: ignore[union-attr]
                page = client.post(
                    "/connexion", data={"csrf": token, "identifiant": REFERENT, "secret": PASSPHRASE}
                )
                token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                for label, data in (("acceptable", two_hundred_rows()), ("20 errors", two_hundred_rows(10))):
                    for _ in range(runs):
                        start = time.perf_counter()
                        response = client.post(
                            "/depot",
                            data={"csrf": token, "action": "verifier"},
                            files={"fichier": ("t.csv", data)},
                        )
                        timings[label].append(time.perf_counter() - start)
                        assert response.status_code == 200
                        assert ("Fichier acceptable" in response.text) == (label == "acceptable"), (
                            response.text
                        )
        finally:
            server.should_exit = True
            thread.join()
        return timings


if __name__ == "__main__":
    for label, times in measure().items():
        print(
            f"{label}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, n={len(times)}"
        )
