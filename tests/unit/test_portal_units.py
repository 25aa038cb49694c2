"""Portal pieces on their own: the streaming upload limit, safe names, access codes, the login throttle,
the error page of last resort, reading only regular files of one's own folder."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from portal.access import AccessStore, normalise_code, passphrase_problem
from portal.accounts import wait_in_french
from portal.files import read_own_file
from portal.throttle import LoginThrottle
from portal.uploads import BodyTooSlow, LimitUploadSize, UploadTooLarge, deposit, safe_name, size_in_french
from portal.web import SecurityHeaders

CHUNK = 64 * 1024


def run_upload(
    limit: int, chunks: int, declared: int | None, drain: int | None = None
) -> tuple[int, str, list]:
    """Send `chunks` body chunks through the middleware to an app that reads the whole body; return how
    many chunks were read from the client, what the app saw and what was sent back."""
    read = 0
    outcome = "read whole"
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": read < chunks}

    async def app(scope, receive, send) -> None:
        nonlocal outcome
        try:
            while (await receive()).get("more_body"):
                pass
        except UploadTooLarge:
            outcome = "refused"
            await send({"type": "http.response.start", "status": 413, "headers": []})
            await send({"type": "http.response.body", "body": b"trop gros"})

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"content-length", str(declared).encode())] if declared is not None else []
    scope = {"type": "http", "method": "POST", "headers": headers}
    middleware = LimitUploadSize(app, max_bytes=limit, too_large_page=b"page 413", drain_bytes=drain)
    asyncio.run(middleware(scope, receive, send))
    return read, outcome, sent


def test_an_oversize_body_is_cut_off_while_it_streams_then_drained_before_the_answer() -> None:
    read, outcome, sent = run_upload(limit=3 * CHUNK, chunks=10, declared=None)
    assert outcome == "refused" and read == 10  # the app saw 4 chunks; the rest was drained, unparsed
    assert sent[0]["status"] == 413 and (b"connection", b"close") not in sent[0]["headers"]


def test_a_body_too_large_to_drain_closes_the_connection_after_the_answer() -> None:
    read, _, sent = run_upload(limit=3 * CHUNK, chunks=1000, declared=None, drain=8 * CHUNK)
    assert read < 12 and (b"connection", b"close") in sent[0]["headers"]


def test_a_declared_oversize_body_is_answered_without_the_app() -> None:
    read, outcome, sent = run_upload(limit=3 * CHUNK, chunks=20, declared=20 * CHUNK)
    assert outcome == "read whole" and read == 20  # never handed to the app: only drained
    assert sent[0]["status"] == 413 and sent[1]["body"] == b"page 413"


def test_a_body_within_the_limit_is_read_whole() -> None:
    assert run_upload(limit=3 * CHUNK, chunks=3, declared=3 * CHUNK)[:2] == (3, "read whole")


def test_a_stalled_body_is_cut_off() -> None:
    async def receive() -> dict:
        await asyncio.sleep(5)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def app(scope, receive, send) -> None:
        await receive()

    middleware = LimitUploadSize(app, max_bytes=CHUNK, body_timeout=0.1)
    with pytest.raises(BodyTooSlow):
        asyncio.run(middleware({"type": "http", "method": "POST", "headers": []}, receive, None))


def test_an_unexpected_error_is_a_french_page_with_the_security_headers() -> None:
    sent: list[dict] = []

    async def broken(scope, receive, send) -> None:
        raise RuntimeError("bug")

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(SecurityHeaders(broken, b"<p>Erreur du portail</p>")({"type": "http"}, None, send))
    assert sent[0]["status"] == 500 and (b"x-frame-options", b"DENY") in sent[0]["headers"]
    assert sent[1]["body"] == b"<p>Erreur du portail</p>"


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        ("export T3.csv", "export T3.csv"),
        ("C:\\Users\\clerc\\Bureau\\export.xlsx", "export.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("Données été 2025.csv", "Donnees ete 2025.csv"),
        ("~$verrou.xlsx", "verrou.xlsx"),
        ("fichier.csv.part", "fichier.csv.part"),
        ("", "fichier"),
        ("\x00\x1b[31m.csv", "31m.csv"),
    ],
)
def test_safe_names_keep_a_readable_name_and_nothing_else(submitted: str, expected: str) -> None:
    assert safe_name(submitted) == expected


def test_a_deposit_never_overwrites_a_waiting_file(tmp_path: Path) -> None:
    names = []
    for content in (b"premier", b"second", b"troisieme"):
        staged = tmp_path / "staged.csv"
        staged.write_bytes(content)
        names.append(deposit(staged, tmp_path / "inbox", "010780195", "envoi.csv").name)
    assert names == ["envoi.csv", "envoi (2).csv", "envoi (3).csv"]
    assert (tmp_path / "inbox" / "010780195" / "envoi.csv").read_bytes() == b"premier"
    assert sorted(p.name for p in (tmp_path / "inbox" / "010780195").iterdir()) == sorted(names)


def test_sizes_are_written_in_french_units() -> None:
    assert [size_in_french(n) for n in (20 * 1024 * 1024, 65536, 1536 * 1024)] == ["20 Mo", "64 Ko", "1,5 Mo"]


def test_an_activation_code_works_typed_loosely_and_is_replaced_by_the_next(tmp_path: Path) -> None:
    store = AccessStore(tmp_path)
    first = store.grant("010780195", "Clerc@CHU-exemple.fr ")
    assert store.check_activation("clerc@chu-exemple.fr", first.lower().replace("-", " ")) is not None
    second = store.grant("010780195", "clerc@chu-exemple.fr")
    assert store.check_activation("clerc@chu-exemple.fr", first) is None
    assert store.check_activation("clerc@chu-exemple.fr", second) is not None
    assert store.check_activation("autre@chu-exemple.fr", second) is None
    assert normalise_code(" abcde-fghij ") == "ABCDEFGHIJ"


@pytest.mark.parametrize(("finess", "email"), [("../../etc", "a@b.fr"), ("010780195", "pas une adresse")])
def test_access_is_only_granted_to_a_finess_and_an_address(tmp_path: Path, finess: str, email: str) -> None:
    with pytest.raises(ValueError, match=r"not a FINESS|not an e-mail"):
        AccessStore(tmp_path).grant(finess, email)


@pytest.mark.parametrize(
    ("passphrase", "refused"),
    [
        ("onze carac.", True),
        ("douze caract", False),
        ("010780195 mon hôpital", True),
        ("Clerc@CHU-exemple.fr!!", True),
        ("quatre mots bien choisis", False),
    ],
)
def test_passphrase_rules(passphrase: str, refused: bool) -> None:
    assert (passphrase_problem(passphrase, "010780195", "clerc@chu-exemple.fr") is not None) == refused


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_grows_delays_for_one_pair_and_never_for_another_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(
        free_failures=3, address_free_failures=100, max_delay=60, forget_after=600, clock=clock
    )
    waits = []
    for _ in range(8):
        waits.append(throttle.wait_for("clerc@chu.fr", "10.0.0.1"))
        clock.now += waits[-1]
        throttle.record_failure("clerc@chu.fr", "10.0.0.1")
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16]
    assert throttle.wait_for("clerc@chu.fr", "10.0.0.2") == 0  # the right secret from elsewhere
    for _ in range(20):
        throttle.record_failure("clerc@chu.fr", "10.0.0.1")
    assert throttle.wait_for("clerc@chu.fr", "10.0.0.1") == 60  # capped
    clock.now += 601
    assert throttle.wait_for("clerc@chu.fr", "10.0.0.1") == 0  # forgotten after a quiet hour


def test_the_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(max_entries=100)
    for n in range(10_000):
        throttle.record_failure(f"x{n}@chu.fr", f"10.0.{n // 256}.{n % 256}")
    assert len(throttle) == 100


def test_waits_are_told_in_french_rounded_up() -> None:
    assert [wait_in_french(s) for s in (0.2, 1, 5.2, 61, 900)] == [
        "1 seconde", "1 seconde", "6 secondes", "2 minutes", "15 minutes"
    ]  # fmt: skip


def test_only_regular_files_inside_ones_own_folder_are_read(tmp_path: Path) -> None:
    own, other = tmp_path / "outbox" / "010780195", tmp_path / "secret"
    (own / "rapports").mkdir(parents=True)
    other.mkdir()
    (other / "key").write_text("clé")
    (own / "recu.html").write_text("reçu")
    (own / "lien.html").symlink_to(other / "key")
    (own / "rapports" / "dossier").symlink_to(other, target_is_directory=True)
    os.mkfifo(own / "tube.html")
    assert read_own_file(own, "recu.html") == "reçu".encode()
    for name in ["lien.html", "rapports/dossier/key", "../../secret/key", "tube.html", "absent.html"]:
        assert read_own_file(own, name) is None, name
