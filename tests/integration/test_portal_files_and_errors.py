"""The security walk, second part: links placed in an establishment's outbox, bodies over the limit on
every route (and on a real connection), an unwritable inbox, a NIR in a file name, and fair checking.
Each attack was run against the portal before its defence (see the closing note of issue 25)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.routing import APIRoute

from intake.receipts import read_receipts
from portal import checking
from portal.app import create_app
from portal.web import SECURITY_HEADERS
from tests.integration.portal_client import (
    A,
    B,
    good_csv,
    grant,
    ingest_inbox,
    log_in,
    portal_client,
    upload,
)
from tlkpi.settings import Settings

LIMIT = 64 * 1024
NIR = "284037512012375"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_root=tmp_path / "var", portal_max_upload_bytes=LIMIT)


def has_security_headers(response: httpx.Response) -> bool:
    return all(name.decode() in response.headers for name, _ in SECURITY_HEADERS)


def a_with_a_receipt(settings: Settings) -> tuple[httpx.Client, str, Path]:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    upload(client, token, "envoi.csv", good_csv(A), action="deposer")
    ingest_inbox(settings)
    [receipt] = read_receipts(settings.outbox_dir, A)
    return client, receipt["id"], settings.outbox_dir / A


def test_links_in_the_outbox_are_never_followed(settings: Settings) -> None:
    client, receipt_id, outbox = a_with_a_receipt(settings)
    key = (settings.portal_dir / "secret.key").read_text().strip()
    look_alike = receipt_id[:-1] + ("0" if receipt_id[-1] != "0" else "1")
    (outbox / f"{look_alike}.html").symlink_to(settings.portal_dir / "secret.key")
    reports = outbox / "rapports" / "2025-T3" / "edition-1"
    reports.mkdir(parents=True)
    (reports / "index.html").symlink_to(settings.portal_dir / "access.json")
    b_reports = settings.outbox_dir / B / "rapports" / "2025-T3" / "edition-1"
    b_reports.mkdir(parents=True)
    (b_reports / "index.html").write_text("<p>rapport privé de B</p>", encoding="utf-8")
    (outbox / "rapports" / "2025-T3" / "edition-2").symlink_to(b_reports, target_is_directory=True)
    (outbox / "rapports" / "2024-T4").symlink_to(b_reports.parent, target_is_directory=True)
    b_receipt = settings.outbox_dir / B / f"{look_alike}.json"
    b_receipt.write_text(json.dumps({"id": look_alike, "file": "secret_de_b.csv"}), encoding="utf-8")
    (outbox / f"{look_alike}.json").symlink_to(b_receipt)

    for url in [
        f"/depots/{look_alike}",
        "/rapports/2025-T3/1/index.html",
        "/rapports/2025-T3/2/index.html",
        "/rapports/2024-T4/1/index.html",
    ]:
        response = client.get(url)
        assert response.status_code == 404 and has_security_headers(response), url
        assert key not in response.text and "argon2" not in response.text and "de B" not in response.text
    assert "secret_de_b" not in client.get("/depots").text
    assert client.get(f"/depots/{receipt_id}").status_code == 200  # its own regular receipt still opens


def every_route(settings: Settings) -> list[tuple[str, str]]:
    app = create_app(settings, warm=False)
    return sorted(
        (method, route.path.replace("{receipt}", "x").replace("{quarter}/{edition}/{name:path}", "a/1/b"))
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    )


def test_a_body_over_the_limit_is_a_french_413_with_headers_on_every_route(settings: Settings) -> None:
    client = portal_client(settings)
    log_in(client, grant(settings, A))
    routes = every_route(settings)
    assert ("POST", "/connexion") in routes and ("POST", "/deconnexion") in routes
    for method, path in routes:
        response = client.request(method, path, content=b"x" * (LIMIT + 1),
                                  headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert response.status_code == 413, (method, path)
        assert has_security_headers(response) and "dépasse la taille maximale de 64 Ko" in response.text


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[str, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, warm=False), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def exchange(connection: socket.socket, request: bytes) -> bytes:
    """Send one request and read one whole response (Content-Length framed) from the same connection."""
    connection.sendall(request)
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("path", ["/connexion", "/deconnexion"])
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_oversized_body_gets_its_answer_and_the_connection_goes_on(
    served: tuple[str, int], path: str, framing: str
) -> None:
    body = b"x" * (21 * 1024 * 1024)  # the 21 MiB
    if framing == "chunked":
        chunks = b"".join(
            b"%x\r\n%s\r\n" % (len(part), part)
            for part in (body[i : i + 65536] for i in range(0, len(body), 65536))
        )
        request = (f"POST {path} HTTP/1.1\r\nHost: portail\r\nTransfer-Encoding: chunked\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode() + chunks + b"0\r\n\r\n"  # fmt: skip
    else:
        request = (f"POST {path} HTTP/1.1\r\nHost: portail\r\nContent-Length: {len(body)}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode() + body  # fmt: skip
    with socket.create_connection(served, timeout=60) as connection:
        answer = exchange(connection, request)
        assert answer.startswith(b"HTTP/1.1 413") and b"content-security-policy" in answer.lower()
        assert "dépasse la taille maximale".encode() in answer
        again = exchange(connection, b"GET /connexion HTTP/1.1\r\nHost: portail\r\n\r\n")
        assert again.startswith(b"HTTP/1.1 200")  # same connection, not reset


def test_an_unwritable_inbox_is_a_503_that_says_to_retry_and_logs_the_cause(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    settings.inbox_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.inbox_dir.write_text("not a folder")  # so the inbox cannot be written, even by root
    with caplog.at_level(logging.ERROR, logger="tlkpi.portal"):
        response = upload(client, token, "envoi.csv", good_csv(A), action="deposer")
    assert response.status_code == 503 and has_security_headers(response)
    assert (
        "réessayez dans quelques minutes" in response.text
        and "Dépôt momentanément impossible" in response.text
    )
    assert "cannot deposit" in caplog.text and (
        "NotADirectoryError" in caplog.text or "FileExistsError" in caplog.text
    )


def test_a_nir_in_a_file_name_is_masked_at_deposit_and_never_echoed(settings: Settings) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    checked = upload(client, token, f"{NIR}.csv", good_csv(A))
    deposited = upload(client, token, f"export {NIR}.csv", good_csv(A), action="deposer")
    for response in (checked, deposited):
        assert NIR not in response.text and "donnée personnelle" in response.text
    [kept] = (settings.inbox_dir / A).iterdir()
    assert kept.name.startswith("fichier-") and kept.suffix == ".csv" and NIR not in kept.name
    assert NIR not in client.get("/depots").text
    ingest_inbox(settings)
    assert NIR not in client.get("/depots").text
    assert not [p for p in settings.root.rglob("*") if NIR in p.name]


def test_one_check_at_a_time_per_session_and_a_bounded_queue(settings: Settings) -> None:
    settings = Settings(data_root=settings.data_root, portal_max_waiting_checks=2)
    app = create_app(settings, warm=False)
    referents = [grant(settings, A, f"r{n}@chu-exemple.fr") for n in range(3)]
    sessions = []
    for referent in referents:
        client = portal_client(settings, app)
        sessions.append((client.cookies.get("tlkpi_portail"), log_in(client, referent), client))

    async def send_together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        clients = []
        for _, token, sync_client in sessions:
            clients.append((httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                              cookies=sync_client.cookies), token))  # fmt: skip

        def post(client: httpx.AsyncClient, token: str):
            return client.post(
                "/depot",
                data={"csrf": token, "action": "verifier"},
                files={"fichier": ("a.csv", good_csv(A))},
            )

        with checking._LOCK:  # the validator is busy: every check waits
            first = asyncio.ensure_future(post(*clients[0]))
            await asyncio.sleep(0.5)
            second_of_same = await post(*clients[0])
            other = asyncio.ensure_future(post(*clients[1]))
            await asyncio.sleep(0.5)
            over_the_bound = await post(*clients[2])
        done = [await first, await other]
        return [second_of_same, over_the_bound, *done]

    same, full, first, other = asyncio.run(send_together())
    assert same.status_code == 429 and "patientez" in same.text
    assert (
        full.status_code == 503
        and full.headers["retry-after"] == "60"
        and "patientez une minute" in full.text
    )
    assert first.status_code == other.status_code == 200 and "Fichier acceptable" in first.text


def test_nothing_is_left_behind_by_a_deposit(settings: Settings) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    upload(client, token, "envoi.csv", good_csv(A), action="deposer")
    assert list((settings.portal_dir / "uploads").iterdir()) == []
    assert os.listdir(settings.inbox_dir / A) == ["envoi.csv"]


def test_a_finess_without_its_leading_zero_is_restored_with_a_warning(settings: Settings) -> None:
    client = portal_client(settings)
    token = log_in(client, grant(settings, A))
    typed = good_csv(A).replace(f"{A};".encode(), f"{A[1:]};".encode())  # as Excel leaves a number cell
    response = upload(client, token, "sans_zero.csv", typed, action="deposer")
    assert "Fichier déposé" in response.text and "a perdu son zéro initial" in response.text
    [outcome] = ingest_inbox(settings)
    assert outcome.verdict == "accepted"
    other = good_csv(B).replace(f"{B};".encode(), f"{B[1:]};".encode())  # not this establishment's: refused
    assert "Fichier refusé" in upload(client, token, "autre.csv", other).text
