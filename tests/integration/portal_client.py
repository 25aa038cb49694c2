"""Helpers of the portal tests: a real app on a data root in tmp_path, logged in as an establishment."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from intake import run
from intake.submissions import Outcome
from portal.access import AccessStore
from portal.app import create_app
from tlkpi.settings import Settings

A, B = "010780195", "130781560"  # two establishments with valid FINESS check keys
HEADER = "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Numérateur;Dénominateur\r\n"
TODAY = date(2026, 11, 22)


def good_csv(finess: str) -> bytes:
    rows = [
        f"{finess};UC01;EFF_DELAI_PEC;2024-T4;reference;50;;",
        f"{finess};UC01;EFF_DELAI_PEC;2025-T3;pilote;40;;",
        f"{finess};UC01;QUA_READMISSION_30J;2025-09;pilote;;5;40",
    ]
    return (HEADER + "\r\n".join(rows) + "\r\n").encode("utf-8")


def bad_csv(finess: str) -> bytes:
    rows = [
        f"{finess};UC01;EFF_DELAI_PEC;2025-T3;pilote;douze;;",
        f"{finess};UC99;EFF_DELAI_PEC;2025-T3;pilote;40;;",
    ]
    return (HEADER + "\r\n".join(rows) + "\r\n").encode("utf-8")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "every page carries the session's CSRF token"
    return found.group(1)


def portal_client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, warm=False), follow_redirects=True)


def grant(settings: Settings, finess: str) -> str:
    return AccessStore(settings.portal_dir).grant(finess)


def log_in(client: TestClient, finess: str, code: str) -> str:
    """Log in; returns the CSRF token of the new session."""
    token = csrf_of(client.get("/connexion").text)
    response = client.post("/connexion", data={"csrf": token, "finess": finess, "code": code})
    assert response.status_code == 200 and response.url.path == "/depot", response.text
    return csrf_of(response.text)


def upload(client: TestClient, token: str, name: str, data: bytes, action: str = "verifier", **extra: str):
    return client.post(
        "/depot", data={"csrf": token, "action": action, **extra}, files={"fichier": (name, data)}
    )


def ingest_inbox(settings: Settings) -> list[Outcome]:
    """One ingest run without Prefect, as of TODAY."""
    return run.ingest_inbox(settings, TODAY)


def drop_file(settings: Settings, finess: str, name: str, data: bytes) -> Path:
    path = settings.inbox_dir / finess / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
