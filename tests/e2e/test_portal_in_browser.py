"""The portal as a clerk uses it, in a real headless Chromium against a real uvicorn server on loopback:
activate an access with its code and choose a passphrase, log in, check a bad file and read the verdict,
fix it, deposit it, see it in « Mes dépôts » after an ingest run, open the private report; a second
referent, a revocation and a throttled attacker; axe-core finds no WCAG 2.1 AA violation on any page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from browser import WCAG_21_AA, open_browser, validate_html
from playwright.sync_api import expect

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from intake.receipts import deliver_private_reports
from portal.access import AccessStore
from portal.app import create_app
from reports.private.writer import render_private_reports
from schemas.catalogue import default_catalogue
from tests.integration.portal_client import HEADER, A, drop_file, good_csv, grant, ingest_inbox
from tests.support.ports import free_port
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

PEERS = ("130781560", "980600027", "2A0000014")  # so the quarter has peers to compare with


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A portal served by uvicorn on 127.0.0.1, stopped at the end of the module."""
    root = tmp_path_factory.mktemp("portal")
    settings = Settings(data_root=root / "var", portal_port=free_port())
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.portal_port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the portal did not start"
    shots = root / "screenshots"
    shots.mkdir()
    try:
        yield {"settings": settings, "url": f"http://127.0.0.1:{settings.portal_port}", "referent": grant(settings, A),
               "shots": shots, "files": root}  # fmt: skip
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(portal: dict[str, Any]) -> Iterator[Any]:
    with open_browser() as chromium:
        yield chromium


def new_page(browser: Any, portal: dict[str, Any]) -> tuple[Any, list[str]]:
    """A page whose list collects dialogs, console errors and any request leaving the portal."""
    page = browser.new_page(base_url=portal["url"], viewport={"width": 1280, "height": 900})
    incidents: list[str] = []
    page.on("dialog", lambda dialog: (incidents.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda m: incidents.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(portal["url"]) else incidents.append(r.url))
    page.on("response", lambda r: incidents.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page, incidents


def log_in(page: Any, portal: dict[str, Any], referent: tuple[str, str] | None = None) -> None:
    email, passphrase = referent or portal["referent"]
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Phrase de passe").fill(passphrase)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/depot")


def activate(page: Any, email: str, code: str) -> None:
    """A referent's first visit: the code of the operator's mail, then the passphrase page."""
    page.goto("/connexion")
    page.get_by_role("link", name="Activez votre accès").click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Code d'activation").fill(code)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/activation/phrase")


def publish_quarter(settings: Settings) -> None:
    """What the quarterly flow does for the private reports: freeze, render, deliver to the outboxes."""
    for finess in PEERS:
        drop_file(settings, finess, "indicateurs.csv", good_csv(finess))
    ingest_inbox(settings)
    with open_warehouse(settings.warehouse_path) as con:
        sync_catalogue(con, default_catalogue())
        frozen = freeze_edition(con, "2025-T3", Rules(min_establishments=3, min_patients=11))
    private = settings.root / "private"
    render_private_reports(settings.warehouse_path, "2025-T3", private, workers=1)
    deliver_private_reports(private / "2025-T3", settings.outbox_dir, "2025-T3", frozen.edition.number)


def test_a_clerk_checks_fixes_deposits_and_finds_receipt_and_report(
    browser: Any, portal: dict[str, Any]
) -> None:
    settings, shots, files = portal["settings"], portal["shots"], portal["files"]
    bad = files / "indicateurs_T3.csv"
    bad.write_bytes((HEADER + f"{A};UC01;EFF_DELAI_PEC;2025-T3;pilote;quarante;;\r\n").encode("utf-8"))
    page, incidents = new_page(browser, portal)
    log_in(page, portal)

    page.get_by_label("Fichier d'indicateurs").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier sans déposer").click()
    verdict = page.get_by_role("heading", name="Fichier refusé : indicateurs_T3.csv")
    expect(verdict).to_be_visible()
    errors = page.get_by_role("table", name="Erreurs à corriger")
    assert "Nombre illisible" in errors.inner_text() and "quarante" in errors.inner_text()
    page.screenshot(path=str(shots / "01-verdict-refuse.png"), full_page=True)
    assert not (settings.inbox_dir / A).exists()

    bad.write_bytes(good_csv(A))  # the clerk fixes the file
    page.get_by_label("Fichier d'indicateurs").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier et déposer").click()
    expect(page.get_by_role("heading", name="Fichier déposé : indicateurs_T3.csv")).to_be_visible()
    assert "chargé dans les 5 minutes" in page.locator("main").inner_text()
    assert [p.name for p in (settings.inbox_dir / A).iterdir()] == ["indicateurs_T3.csv"]

    page.get_by_role("navigation").get_by_role("link", name="Mes dépôts").click()
    assert "indicateurs_T3.csv" in page.get_by_role("listitem").all_inner_texts()[-1]  # waiting
    publish_quarter(settings)  # the ingest run, then the quarter's private reports
    page.reload()
    row = page.get_by_role("row").filter(has_text="indicateurs_T3.csv")
    assert "accepté" in row.inner_text() and "\t3\t" in row.inner_text()
    page.screenshot(path=str(shots / "02-mes-depots.png"), full_page=True)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Fichier accepté")).to_be_visible()
    assert "Mesures enregistrées" in page.locator("main").inner_text()

    page.goto("/rapports")
    page.get_by_role("link", name="Trimestre 2025-T3, édition 1").click()
    assert page.url.endswith("/rapports/2025-T3/1/index.html")
    assert A in page.locator("body").inner_text()
    page.screenshot(path=str(shots / "03-rapport-prive.png"), full_page=True)
    page.get_by_role("link", name="UC01", exact=False).first.click()
    page.wait_for_load_state()  # the URL changes when the page is requested, the body comes after
    assert page.url.endswith("/rapports/2025-T3/1/UC01.html")
    # its stylesheet is served (without it, the browser's default serif font)
    assert "system-ui" in page.locator("body").evaluate("body => getComputedStyle(body).fontFamily")
    assert incidents == [], incidents


def shoot(page: Any, shots: Path, name: str) -> None:
    """The page as a clerk sees it on a desktop (1280 px) and on a phone (390 px)."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_second_referent_activates_deposits_is_revoked_and_an_attacker_is_only_slowed(
    browser: Any, portal: dict[str, Any]
) -> None:
    settings, shots = portal["settings"], portal["shots"]
    second = "c.leroy@chu-exemple.fr"
    code = AccessStore(settings.portal_dir).grant(A, second)  # what `tlkpi access grant` prints
    clerk = browser.new_context(
        base_url=portal["url"], extra_http_headers={"X-Forwarded-For": "198.51.100.7"}
    )
    page = clerk.new_page()
    page.goto("/connexion")
    shoot(page, shots, "10-connexion")
    page.get_by_role("link", name="Activez votre accès").click()
    shoot(page, shots, "11-activation")
    activate(page, second, code)
    expect(page.get_by_text(f"Code accepté pour {second}")).to_be_visible()
    shoot(page, shots, "12-phrase-de-passe")
    autocomplete = page.eval_on_selector_all(
        "input:not([type=hidden])", "els => els.map(e => e.autocomplete)"
    )
    assert autocomplete == ["username", "new-password", "new-password"]
    page.get_by_label("Nouvelle phrase de passe").fill("quatre mots bien choisis")
    page.get_by_label("La même phrase de passe").fill("quatre mots bien choisis")
    page.get_by_role("button", name="Enregistrer et me connecter").click()
    page.wait_for_url("**/depot")
    assert second in page.locator("header").inner_text()
    deposit = portal["files"] / "leroy.csv"
    deposit.write_bytes(good_csv(A).replace(b"pilote;40", b"pilote;43"))
    page.get_by_label("Fichier d'indicateurs").set_input_files(str(deposit))
    page.get_by_role("button", name="Vérifier et déposer").click()
    expect(page.get_by_role("heading", name="Fichier déposé : leroy.csv")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion")

    activate_again = clerk.new_page()  # the code now opens nothing
    activate_again.goto("/activation")
    activate_again.get_by_label("Adresse e-mail").fill(second)
    activate_again.get_by_label("Code d'activation").fill(code)
    activate_again.get_by_role("button", name="Continuer").click()
    assert "déjà utilisé" in activate_again.get_by_role("alert").inner_text()

    attacker = browser.new_context(
        base_url=portal["url"], extra_http_headers={"X-Forwarded-For": "203.0.113.5"}
    )
    guesser = attacker.new_page()
    first_email, first_passphrase = portal["referent"]
    answers = []
    for attempt in range(10):  # the delays grow (1 s, 2 s, 4 s…): a browser soon types faster than allowed
        guesser.goto("/connexion")
        guesser.get_by_label("Adresse e-mail").fill(first_email)
        guesser.get_by_label("Phrase de passe").fill(f"essai numéro {attempt}")
        guesser.get_by_role("button", name="Se connecter").click()
        answers.append(guesser.get_by_role("alert").inner_text())
        if "Trop de tentatives" in answers[-1]:
            break
    assert 4 <= len(answers) < 10 and "réessayez dans" in answers[-1], answers
    shoot(guesser, shots, "13-tentatives")
    log_in(page, portal, (first_email, first_passphrase))  # the real referent, elsewhere: not locked out
    page.goto("/depots")
    publish_quarter(settings)
    page.reload()
    row = page.get_by_role("row").filter(has_text="leroy.csv")
    assert second in row.inner_text()
    AccessStore(settings.portal_dir).revoke(second)  # `tlkpi access revoke c.leroy@…`
    log_in(page, portal, (first_email, first_passphrase))
    revoked = clerk.new_page()
    revoked.goto("/connexion")
    revoked.get_by_label("Adresse e-mail").fill(second)
    revoked.get_by_label("Phrase de passe").fill("quatre mots bien choisis")
    revoked.get_by_role("button", name="Se connecter").click()
    assert "incorrecte" in revoked.get_by_role("alert").inner_text()
    clerk.close()
    attacker.close()


PORTAL_PAGES = [
    "/connexion",
    "/activation",
    "/activation/phrase",
    "/depot",
    "/depots",
    "receipt",
    "/rapports",
    "/modele",
    "/page-inexistante",
]


@pytest.mark.parametrize("path", [*PORTAL_PAGES, "verdict"])
def test_axe_finds_no_wcag_21_aa_violation_on_portal_pages(
    browser: Any, portal: dict[str, Any], path: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, incidents = new_page(browser, portal)
    if path not in {"/connexion", "/activation", "/activation/phrase"}:
        log_in(page, portal)
    if path == "/activation/phrase":
        code = AccessStore(portal["settings"].portal_dir).grant(A, "axe@chu-exemple.fr")
        activate(page, "axe@chu-exemple.fr", code)
    elif path == "receipt":
        drop_file(portal["settings"], A, "dossier.csv", good_csv(A).replace(b"pilote;40", b"pilote;41"))
        ingest_inbox(portal["settings"])
        page.goto("/depots")
        page.get_by_role("row").filter(has_text="dossier.csv").get_by_role("link").click()
    elif path == "verdict":
        bad = portal["files"] / "axe.csv"
        bad.write_bytes((HEADER + f"{A};UC99;EFF_DELAI_PEC;2025-T3;pilote;40;;\r\n").encode("utf-8"))
        page.get_by_label("Fichier d'indicateurs").set_input_files(str(bad))
        page.get_by_role("button", name="Vérifier sans déposer").click()
        expect(page.get_by_role("table", name="Erreurs à corriger")).to_be_visible()
    else:
        page.goto(path)
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    )
    page.screenshot(
        path=str(portal["shots"] / f"axe-{path.strip('/').replace('/', '-') or 'racine'}.png"), full_page=True
    )
    assert results.violations_count == 0, results.generate_report()
    if path == "/page-inexistante":  # its own 404, and nothing else
        expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
        incidents = [i for i in incidents if "page-inexistante" not in i and "status of 404" not in i]
    assert incidents == [], incidents


def test_every_portal_page_receipt_and_report_is_valid_html(browser: Any, portal: dict[str, Any]) -> None:
    settings = portal["settings"]
    drop_file(settings, A, "refus.csv", (HEADER + f"{A};UC01;EFF_DELAI_PEC;2025-T3;pilote;x;;\r\n").encode())
    ingest_inbox(settings)
    page, _ = new_page(browser, portal)
    log_in(page, portal)
    pages = portal["files"] / "html"
    pages.mkdir(exist_ok=True)
    for path in ["/depot", "/depots", "/rapports", "/modele", "/page-inexistante"]:
        body = page.request.get(portal["url"] + path).text()
        (pages / f"{path.strip('/')}.html").write_text(body, encoding="utf-8")
    for public in ("connexion", "activation"):
        (pages / f"{public}.html").write_text(
            page.request.get(f"{portal['url']}/{public}").text(), encoding="utf-8"
        )
    other, _ = new_page(browser, portal)
    activate(other, "html@chu-exemple.fr", AccessStore(settings.portal_dir).grant(A, "html@chu-exemple.fr"))
    phrase = other.request.get(portal["url"] + "/activation/phrase").text()
    (pages / "phrase.html").write_text(phrase, encoding="utf-8")
    receipts = sorted((settings.outbox_dir / A).glob("*.html"))
    reports = sorted(settings.rejected_dir.rglob("*.rapport.html"))
    assert receipts and reports
    files = [*sorted(pages.glob("*.html")), *receipts, *reports]
    messages = validate_html(files)
    assert messages == [], "\n".join(
        f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages
    )
