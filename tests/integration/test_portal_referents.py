"""Named referents: a one-time activation code that expires, a passphrase chosen once, several referents
per establishment revoked one by one, the old shared code until a referent is granted, and every deposit
attributed to its referent in the receipt, « Mes dépôts » and the warehouse."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from intake.receipts import read_receipts
from portal.access import AccessStore
from tests.integration import portal_client as on_portal
from tests.integration.portal_client import PASSPHRASE, A, B
from tlkpi.settings import Settings
from warehouse import load
from warehouse.db import open_warehouse

CLERK = "m.durand@chu-exemple.fr"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_root=tmp_path / "var")


def activate(client: TestClient, email: str, code: str):
    token = on_portal.csrf_of(client.get("/activation").text)
    return client.post("/activation", data={"csrf": token, "email": email, "code": code})


def choose(client: TestClient, page_html: str, phrase: str, again: str | None = None):
    token = on_portal.csrf_of(page_html)
    return client.post(
        "/activation/phrase", data={"csrf": token, "phrase": phrase, "confirmation": again or phrase}
    )


def test_an_activation_code_opens_the_passphrase_choice_once_then_nothing(settings: Settings) -> None:
    code = AccessStore(settings.portal_dir).grant(A, CLERK)
    client = on_portal.portal_client(settings)
    assert on_portal.try_log_in(client, CLERK, code).status_code == 401  # a code is not a passphrase
    asked = activate(client, CLERK.upper(), code.lower().replace("-", " "))  # typed loosely
    assert asked.url.path == "/activation/phrase" and CLERK in asked.text
    for refused, why in [
        ("court", "au moins 12 caractères"),
        (f"mon etablissement {A}", "ni le numéro FINESS ni votre adresse e-mail"),
        (CLERK, "ni le numéro FINESS ni votre adresse e-mail"),
    ]:
        response = choose(client, asked.text, refused)
        assert response.status_code == 400 and why in response.text
    mismatch = choose(client, asked.text, PASSPHRASE, PASSPHRASE + "!")
    assert mismatch.status_code == 400 and "différentes" in mismatch.text
    done = choose(client, asked.text, PASSPHRASE)
    assert done.url.path == "/depot" and CLERK in done.text
    client.post("/deconnexion", data={"csrf": on_portal.csrf_of(done.text)})

    again = activate(on_portal.portal_client(settings), CLERK, code)  # the code now opens nothing
    assert again.status_code == 401 and "déjà utilisé" in again.text
    assert on_portal.try_log_in(on_portal.portal_client(settings), CLERK, code).status_code == 401
    assert on_portal.try_log_in(on_portal.portal_client(settings), CLERK, PASSPHRASE).url.path == "/depot"


def test_an_activation_code_expires(settings: Settings) -> None:
    code = AccessStore(settings.portal_dir, activation_days=0.2 / 86400).grant(A, CLERK)
    time.sleep(0.3)
    response = activate(on_portal.portal_client(settings), CLERK, code)
    assert response.status_code == 401 and "expiré" in response.text
    assert [r.state() for r in AccessStore(settings.portal_dir).referents()] == ["activation code expired"]


def test_a_lost_passphrase_is_a_new_grant_that_ends_the_old_one(settings: Settings) -> None:
    email, passphrase = on_portal.grant(settings, A, CLERK)
    client = on_portal.portal_client(settings)
    on_portal.log_in(client, (email, passphrase))
    code = AccessStore(settings.portal_dir).grant(A, CLERK)
    assert client.get("/depots").url.path == "/connexion"  # the open session ends
    assert on_portal.try_log_in(on_portal.portal_client(settings), email, passphrase).status_code == 401
    fresh = on_portal.portal_client(settings)
    assert (
        choose(fresh, activate(fresh, CLERK, code).text, "nouvelle phrase bien longue").url.path == "/depot"
    )


def test_several_referents_of_one_establishment_are_revoked_one_by_one(settings: Settings) -> None:
    first, second = (
        on_portal.grant(settings, A, "a.martin@chu-exemple.fr"),
        on_portal.grant(settings, A, CLERK),
    )
    one, two = on_portal.portal_client(settings), on_portal.portal_client(settings)
    on_portal.log_in(one, first)
    on_portal.log_in(two, second)
    AccessStore(settings.portal_dir).revoke(first[0])
    assert one.get("/depots").url.path == "/connexion"
    assert two.get("/depots").url.path == "/depots"
    assert [(r.email, r.state()) for r in AccessStore(settings.portal_dir).referents()] == [(CLERK, "active")]
    with pytest.raises(ValueError, match="is a referent of 010780195"):
        AccessStore(settings.portal_dir).grant(B, CLERK)  # one address, one establishment


def test_the_old_shared_code_works_until_a_referent_is_granted(settings: Settings) -> None:
    code = on_portal.old_shared_code(settings, A)  # access.json as earlier versions wrote it
    client = on_portal.portal_client(settings)
    assert on_portal.try_log_in(client, A, code).url.path == "/depot"
    assert [old.finess for old in AccessStore(settings.portal_dir).old_codes()] == [A]
    on_portal.grant(settings, A, CLERK)
    assert client.get("/depots").url.path == "/connexion"
    assert on_portal.try_log_in(on_portal.portal_client(settings), A, code).status_code == 401
    assert AccessStore(settings.portal_dir).old_codes() == []


def test_receipts_mes_depots_and_the_warehouse_say_which_referent_deposited(settings: Settings) -> None:
    martin, durand = (
        on_portal.grant(settings, A, "a.martin@chu-exemple.fr"),
        on_portal.grant(settings, A, CLERK),
    )
    for referent, name, value in [(martin, "martin.csv", b"40"), (durand, "durand.csv", b"41")]:
        client = on_portal.portal_client(settings)
        token = on_portal.log_in(client, referent)
        data = on_portal.good_csv(A).replace(b"pilote;40", b"pilote;" + value)
        assert "Fichier déposé" in on_portal.upload(client, token, name, data, action="deposer").text
    on_portal.drop_file(
        settings, A, "par_sftp.csv", on_portal.good_csv(A).replace(b"pilote;40", b"pilote;42")
    )
    # an establishment writing its inbox cannot claim a referent: a look-alike record there is ignored
    (settings.inbox_dir / A / ".par_sftp.csv.depot.json").write_text('{"referent": "' + CLERK + '"}')
    on_portal.ingest_inbox(settings)

    by_file = {r["file"]: r["deposited_by"] for r in read_receipts(settings.outbox_dir, A)}
    assert by_file == {"martin.csv": "a.martin@chu-exemple.fr", "durand.csv": CLERK, "par_sftp.csv": None}
    client = on_portal.portal_client(settings)
    on_portal.log_in(client, durand)
    listing = client.get("/depots").text
    assert "a.martin@chu-exemple.fr" in listing and "dépôt par dossier" in listing
    receipt = next(r for r in read_receipts(settings.outbox_dir, A) if r["file"] == "durand.csv")
    assert f"Déposé par</dt><dd>{CLERK}" in client.get(f"/depots/{receipt['id']}").text
    with open_warehouse(settings.warehouse_path) as con:
        stored = dict(con.execute("SELECT original_name, deposited_by FROM submission").fetchall())
    assert stored == by_file
    assert list((settings.portal_dir / "deposits").rglob("*.json")) == []  # settled: the ledger forgets them


def test_a_deposit_the_warehouse_refuses_keeps_its_referent_on_the_quarantine_record(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch is refused, recorded file by file, the culprit quarantined: still attributed."""
    real = load.record_batch

    def refuses_the_poisoned_file(con, files):  # type: ignore[no-untyped-def]
        values = [v for f in files if f.measurements is not None for v in f.measurements["value"].to_pylist()]
        if 77.0 in values:
            raise duckdb.ConversionException("Type DOUBLE with value 3e9 can't be cast to INT32")
        return real(con, files)

    monkeypatch.setattr("intake.submissions.record_batch", refuses_the_poisoned_file)
    referent = on_portal.grant(settings, A, CLERK)
    client = on_portal.portal_client(settings)
    token = on_portal.log_in(client, referent)
    for name, value in [("poison.csv", b"77"), ("bon.csv", b"41")]:
        data = on_portal.good_csv(A).replace(b"pilote;40", b"pilote;" + value)
        assert "Fichier déposé" in on_portal.upload(client, token, name, data, action="deposer").text
    on_portal.ingest_inbox(settings)
    with open_warehouse(settings.warehouse_path) as con:
        stored = con.execute(
            "SELECT original_name, status, deposited_by FROM submission ORDER BY 1"
        ).fetchall()
    assert stored == [("bon.csv", "accepted", CLERK), ("poison.csv", "rejected", CLERK)]
