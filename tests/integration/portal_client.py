"""Helpers of the portal tests: a real app on a data root in tmp_path, logged in as an establishment."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from intake import run
from intake.submissions import Outcome
from portal.access import AccessStore, new_code, normalise_code
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


def portal_client(settings: Settings, app: FastAPI | None = None, address: str = "testclient") -> TestClient:
    """A browser of the portal at `address` (on `app`, to share one portal's memory between clients)."""
    return TestClient(app or create_app(settings, warm=False), follow_redirects=True, client=(address, 50000))


PASSPHRASE = "agrafe cheval pile correcte"


def grant(settings: Settings, finess: str, email: str | None = None) -> tuple[str, str]:
    """A referent of `finess` who has activated their access as a clerk would: (e-mail, passphrase)."""
    email = email or f"referent.{finess}@chu-exemple.fr"
    store = AccessStore(settings.portal_dir)
    pending = store.check_activation(email, store.grant(finess, email))
    assert pending is not None
    store.activate(pending, PASSPHRASE)
    return email, PASSPHRASE


def old_shared_code(settings: Settings, finess: str) -> str:
    """An establishment's single code as earlier versions wrote it in access.json (FINESS -> hash)."""
    code = new_code()
    path = settings.portal_dir / "access.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entries[finess] = {
        "hash": PasswordHasher().hash(normalise_code(code)),
        "granted_at": "2026-01-05T09:00:00+00:00",
    }
    path.write_text(json.dumps(entries), encoding="utf-8")
    return code


def try_log_in(client: TestClient, identifier: str, secret: str) -> httpx.Response:
    token = csrf_of(client.get("/connexion").text)
    return client.post("/connexion", data={"csrf": token, "identifiant": identifier, "secret": secret})


def log_in(client: TestClient, credentials: tuple[str, str]) -> str:
    """Log in with (e-mail, passphrase); returns the CSRF token of the new session."""
    response = try_log_in(client, *credentials)
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
