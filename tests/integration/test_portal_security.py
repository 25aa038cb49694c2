"""Attacks on the portal, each written as a test: another establishment's files, forged forms, guessed
codes, hostile file names, oversize uploads. Each ran against a portal without the defence first."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import httpx
import openpyxl
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from intake.receipts import deliver_private_reports, read_receipts
from portal.access import AccessStore
from portal.app import create_app
from tests.integration.portal_client import (
    A,
    B,
    bad_csv,
    csrf_of,
    drop_file,
    good_csv,
    grant,
    ingest_inbox,
    log_in,
    old_shared_code,
    portal_client,
    try_log_in,
    upload,
)
from tlkpi.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # a first delay far longer than a test's attempts, so that being slowed down never depends on the load
    return Settings(
        data_root=tmp_path / "var", portal_max_upload_bytes=64 * 1024, portal_login_first_delay_seconds=30
    )


def b_has_a_receipt_and_a_report(settings: Settings) -> tuple[str, Path]:
    """B's files as they really are after an ingest run and a quarter: a receipt and a private report."""
    drop_file(settings, B, "envoi_b.csv", good_csv(B))
    ingest_inbox(settings)
    [receipt] = read_receipts(settings.outbox_dir, B)
    private = settings.root / "private" / "2025-T3" / B
    (private / "static").mkdir(parents=True)
    (private / "index.html").write_text("<p>rapport privé de B : valeur 40</p>", encoding="utf-8")
    (private / "UC01.html").write_text("<p>B UC01</p>", encoding="utf-8")
    (private / "static" / "style.css").write_text("p {}", encoding="utf-8")
    deliver_private_reports(settings.root / "private" / "2025-T3", settings.outbox_dir, "2025-T3", 1)
    return receipt["id"], settings.outbox_dir / B


# Every GET route of the portal, filled with B's identifiers: A's session must open none of them.
B_URLS = {
    "/favicon.ico": [],
    "/": [],
    "/connexion": [],
    "/activation": [],
    "/activation/phrase": [],
    "/depot": [],
    "/depots": [],
    "/depots/{receipt}": ["/depots/{id}", "/depots/..%2F" + B + "%2F{id}", "/depots/%2E%2E/%2E%2E/" + B],
    "/rapports": [],
    "/rapports/{quarter}/{edition}/{name:path}": [
        "/rapports/2025-T3/1/index.html",
        "/rapports/2025-T3/1/UC01.html",
        "/rapports/2025-T3/1/static/style.css",
        "/rapports/2025-T3/1/..%2F..%2F..%2F..%2F" + B + "%2Frapports%2F2025-T3%2Fedition-1%2Findex.html",
        "/rapports/..%2F..%2F" + B + "/1/index.html",
    ],
    "/modele": [],
    "/modele/telecharger": [],
}


def test_every_route_is_walked_by_the_cross_establishment_test() -> None:
    app = create_app(Settings(data_root=Path("/nonexistent")), warm=False)
    routes = {route.path for route in app.routes if isinstance(route, APIRoute) and "GET" in route.methods}
    assert routes == set(B_URLS), "a new route needs its line in B_URLS"


def test_a_cannot_read_or_download_anything_of_b(settings: Settings) -> None:
    receipt_id, b_outbox = b_has_a_receipt_and_a_report(settings)
    a_referent = grant(settings, A)
    client = portal_client(settings)
    log_in(client, a_referent)
    secret_bits = [receipt_id, "envoi_b.csv", "rapport privé de B", B]
    for route, urls in B_URLS.items():
        for url in urls or [route]:
            response = client.get(url.format(id=receipt_id), params={"finess": B, "cas_usage": "UC01"})
            if urls:  # a route naming one of B's files
                assert response.status_code == 404, url
            shown = response.content.decode("utf-8", "replace") + str(response.headers)
            leaked = [bit for bit in secret_bits if bit in shown]
            assert leaked == [], f"{url} shows B's {leaked}"
    # and B, logged in, does see them: the 404s above are not a broken route
    b_client = portal_client(settings)
    log_in(b_client, grant(settings, B))
    assert "envoi_b.csv" in b_client.get(f"/depots/{receipt_id}").text
    assert "rapport privé de B" in b_client.get("/rapports/2025-T3/1/index.html").text
    assert "/rapports/2025-T3/1/index.html" in b_client.get("/rapports").text
    assert b_outbox.is_dir()


def test_without_a_session_every_route_leads_to_the_login_page(settings: Settings) -> None:
    receipt_id, _ = b_has_a_receipt_and_a_report(settings)
    client = portal_client(settings)
    for route, urls in B_URLS.items():
        for url in urls or [route]:
            response = client.get(url.format(id=receipt_id))
            public = route in {"/favicon.ico", "/connexion", "/activation", "/activation/phrase"}
            if route == "/activation/phrase":  # no code checked in this session: back to the code form
                assert response.url.path == "/activation", url
            assert public or response.url.path == "/connexion" or response.status_code == 404, url
            assert "rapport privé" not in response.text and "envoi_b" not in response.text


def test_a_cannot_deposit_for_b(settings: Settings) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    response = upload(client, token, "pour_b.csv", good_csv(B), action="deposer", finess=B)
    assert "Fichier refusé" in response.text and "FINESS d&#39;un autre établissement" in response.text
    assert not (settings.inbox_dir / B).exists() and not (settings.inbox_dir / A).exists()
    response = upload(client, token, "a.csv", good_csv(A), action="deposer", finess=B)
    assert "Fichier déposé" in response.text
    assert [p.name for p in (settings.inbox_dir / A).iterdir()] == ["a.csv"]
    assert not (settings.inbox_dir / B).exists()


def test_forged_missing_or_replayed_csrf_tokens_are_refused(settings: Settings) -> None:
    referent = grant(settings, A)
    client = portal_client(settings)
    old_token = log_in(client, referent)
    old_cookie = client.cookies.get("tlkpi_portail")
    for forged in ["", "x" * 43, old_token[:-1] + ("A" if old_token[-1] != "A" else "B")]:
        response = upload(client, forged, "a.csv", good_csv(A), action="deposer")
        assert response.status_code == 403 and "Formulaire expiré" in response.text
    assert client.post("/depot", files={"fichier": ("a.csv", good_csv(A))}).status_code == 403
    client.post("/deconnexion", data={"csrf": old_token})
    new_token = log_in(client, referent)
    assert new_token != old_token
    assert upload(client, old_token, "a.csv", good_csv(A), action="deposer").status_code == 403
    assert not (settings.inbox_dir / A).exists()
    # the whole cookie of the ended session, replayed (even to a restarted portal), opens nothing either
    replay = portal_client(settings)
    replay.cookies.set("tlkpi_portail", old_cookie)
    assert replay.get("/depots").url.path == "/connexion"
    assert upload(replay, old_token, "a.csv", good_csv(A), action="deposer").url.path == "/connexion"
    assert not (settings.inbox_dir / A).exists()


def test_a_login_form_from_another_session_is_refused(settings: Settings) -> None:
    email, passphrase = grant(settings, A)
    attacker = portal_client(settings)
    token = csrf_of(attacker.get("/connexion").text)
    victim = portal_client(settings)
    victim.get("/connexion")
    response = victim.post("/connexion", data={"csrf": token, "identifiant": email, "secret": passphrase})
    assert response.status_code == 403 and response.url.path == "/connexion"


@pytest.mark.parametrize("who", ["referent", "old shared code"])
def test_strangers_failing_from_other_addresses_never_lock_a_referent_out(
    settings: Settings, who: str
) -> None:
    """The issue's attack: 5 wrong secrets from 5 addresses, then the right one from a 6th (was 429)."""
    if who == "referent":
        identifier, secret = grant(settings, A)
    else:
        identifier, secret = A, old_shared_code(settings, A)
    app = create_app(settings, warm=False)
    for n in range(5):
        response = try_log_in(portal_client(settings, app, f"203.0.113.{n}"), identifier, "AAAAA-BBBBB")
        assert response.status_code == 401 and "incorrect" in response.text
    clerk = portal_client(settings, app, "198.51.100.7")
    assert try_log_in(clerk, identifier, secret).url.path == "/depot"


def test_wrong_secrets_from_one_address_slow_that_address_down_only(settings: Settings) -> None:
    email, passphrase = grant(settings, A)
    app = create_app(settings, warm=False)
    attacker = portal_client(settings, app, "203.0.113.9")
    for _ in range(3):  # TLKPI_PORTAL_MAX_FAILED_LOGINS free failures
        assert try_log_in(attacker, email, "mauvaise phrase de passe").status_code == 401
    slowed = try_log_in(attacker, email, passphrase)  # even the right one waits its delay
    assert slowed.status_code == 429 and "réessayez dans 30 secondes" in slowed.text
    assert try_log_in(portal_client(settings, app, "198.51.100.7"), email, passphrase).url.path == "/depot"


def test_one_address_trying_many_referents_is_slowed_down_too(settings: Settings) -> None:
    grant(settings, A)
    email_b, passphrase_b = grant(settings, B)
    app = create_app(settings, warm=False)
    attacker = portal_client(settings, app, "203.0.113.9")
    for n in range(settings.portal_address_failed_logins):
        assert try_log_in(attacker, f"personne{n}@chu-exemple.fr", "devine devine devine").status_code == 401
    assert try_log_in(attacker, email_b, passphrase_b).status_code == 429
    assert (
        try_log_in(portal_client(settings, app, "198.51.100.7"), email_b, passphrase_b).url.path == "/depot"
    )


def test_a_revoked_referent_loses_open_sessions(settings: Settings) -> None:
    email, passphrase = grant(settings, A)
    client = portal_client(settings)
    log_in(client, (email, passphrase))
    assert client.get("/depots").url.path == "/depots"
    assert AccessStore(settings.portal_dir).revoke(email) == [email]
    assert client.get("/depots").url.path == "/connexion"
    assert try_log_in(portal_client(settings), email, passphrase).status_code == 401


def test_codes_and_passphrases_are_stored_only_as_slow_hashes(settings: Settings) -> None:
    _, passphrase = grant(settings, A)
    code = AccessStore(settings.portal_dir).grant(B, "referent@chu-b.fr")
    stored = (settings.portal_dir / "access.json").read_text(encoding="utf-8")
    assert code not in stored and code.replace("-", "") not in stored and passphrase not in stored
    assert stored.count("$argon2id$") == 2
    assert (settings.portal_dir / "access.json").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("submitted", "stored"),
    [
        ("../../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\windows\\envoi.csv", "envoi.csv"),
        ("<script>alert(1)</script>.csv", "script.csv"),
        ("<b onmouseover=alert(1)>x.csv", "b onmouseover_alert(1)_x.csv"),
        ("a" * 300 + ".csv", "a" * 116 + ".csv"),
        (".cache.csv", "cache.csv"),
    ],
)
def test_hostile_file_names_are_stored_and_shown_safely(
    settings: Settings, submitted: str, stored: str
) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    response = upload(client, token, submitted, good_csv(A), action="deposer")
    assert f"Fichier déposé : {stored}" in response.text and "<script>" not in response.text
    assert [p.name for p in (settings.inbox_dir / A).iterdir()] == [stored]
    assert list(settings.root.rglob("passwd*")) == list((settings.inbox_dir / A).glob("passwd*"))
    [outcome] = ingest_inbox(settings)
    assert outcome.verdict == "accepted"
    listing = client.get("/depots").text
    assert stored in listing and "<script>" not in listing
    [receipt] = read_receipts(settings.outbox_dir, A)
    page = client.get(f"/depots/{receipt['id']}").text
    assert stored in page and "<script>" not in page


def test_a_script_in_a_folder_dropped_name_is_escaped_in_the_receipt(settings: Settings) -> None:
    drop_file(settings, A, "<img src=x onerror=alert(1)>.csv", bad_csv(A))
    ingest_inbox(settings)
    client = portal_client(settings)
    log_in(client, grant(settings, A))
    listing = client.get("/depots").text
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in listing and "<img" not in listing
    [receipt] = read_receipts(settings.outbox_dir, A)
    assert "<img" not in client.get(f"/depots/{receipt['id']}").text


def test_an_oversize_upload_is_refused_and_nothing_is_kept(settings: Settings) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    big = good_csv(A) + b"x" * (settings.portal_max_upload_bytes + 1)
    response = upload(client, token, "gros.csv", big, action="deposer")
    assert response.status_code == 413 and "dépasse la taille maximale de 64 Ko" in response.text
    assert not (settings.inbox_dir / A).exists()
    assert list((settings.portal_dir / "uploads").rglob("*.csv")) == []


def test_the_session_cookie_is_httponly_and_samesite_strict(settings: Settings) -> None:
    client = portal_client(settings)
    response = client.get("/connexion")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    secure = portal_client(Settings(data_root=settings.data_root, portal_secure_cookies=True))
    assert "secure" in secure.get("/connexion").headers["set-cookie"].lower()


def test_the_template_download_is_made_for_the_session_establishment(
    settings: Settings, tmp_path: Path
) -> None:
    client = portal_client(settings)
    log_in(client, grant(settings, A))
    response = client.get("/modele/telecharger", params={"format": "xlsx", "cas_usage": "UC05", "finess": B})
    assert (
        response.status_code == 200
        and f"modele_indicateurs_{A}_UC05.xlsx" in response.headers["content-disposition"]
    )
    target = tmp_path / "modele.xlsx"
    target.write_bytes(response.content)
    sheet = openpyxl.load_workbook(target)["indicateurs"]
    assert [v.formula1 for v in sheet.data_validations.dataValidation if str(v.sqref).startswith("A2")] == [
        f'"{A}"'
    ]
    csv = client.get("/modele/telecharger", params={"format": "csv"})
    assert csv.content.startswith(b"\xef\xbb\xbfFINESS;Cas d'usage;")


def test_wrong_codes_sent_in_parallel_are_counted_too(settings: Settings) -> None:
    email, _ = grant(settings, A)
    app = create_app(settings, warm=False)
    client = TestClient(app)
    token = csrf_of(client.get("/connexion").text)
    cookie = client.cookies.get("tlkpi_portail")

    async def attack() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker:
            attacker.cookies.set("tlkpi_portail", cookie)
            tries = [
                attacker.post("/connexion", data={"csrf": token, "identifiant": email, "secret": f"WRONG{n}"})
                for n in range(20)
            ]
            return [response.status_code for response in await asyncio.gather(*tries)]

    statuses = asyncio.run(attack())
    assert statuses.count(401) == 3 and statuses.count(429) == 17


def test_a_session_cookie_rewritten_to_name_b_opens_nothing(settings: Settings) -> None:
    client = portal_client(settings)
    log_in(client, grant(settings, A))
    grant(settings, B)
    payload, signature = client.cookies["tlkpi_portail"].split(".", 1)
    session = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert session["finess"] == A
    session["finess"] = B
    forged = base64.b64encode(json.dumps(session).encode()).decode() + "." + signature
    attacker = portal_client(settings)
    attacker.cookies.set("tlkpi_portail", forged)
    assert attacker.get("/depots").url.path == "/connexion"
