"""Portal pieces on their own: the streaming upload limit, safe names, access codes, the login limiter."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from portal.access import AccessStore, LoginLimiter, normalise_code
from portal.uploads import LimitUploadSize, UploadTooLarge, deposit, safe_name, size_in_french

CHUNK = 64 * 1024


def run_upload(limit: int, chunks: int, declared: int | None) -> tuple[int, str]:
    """Send `chunks` body chunks through the middleware to an app that reads the whole body; return how
    many chunks were read from the client and what the app saw."""
    read = 0
    outcome = "read whole"

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

    async def send(message: dict) -> None:
        pass

    headers = [(b"content-length", str(declared).encode())] if declared is not None else []
    scope = {"type": "http", "method": "POST", "headers": headers}
    asyncio.run(LimitUploadSize(app, max_bytes=limit)(scope, receive, send))
    return read, outcome


def test_an_oversize_body_is_cut_off_while_it_streams() -> None:
    read, outcome = run_upload(limit=3 * CHUNK, chunks=1000, declared=None)
    assert outcome == "refused" and read == 4  # the first chunk past the limit, never the 996 others


def test_a_declared_oversize_body_is_refused_before_any_byte_is_read() -> None:
    assert run_upload(limit=3 * CHUNK, chunks=1000, declared=1000 * CHUNK) == (0, "refused")


def test_a_body_within_the_limit_is_read_whole() -> None:
    assert run_upload(limit=3 * CHUNK, chunks=3, declared=3 * CHUNK) == (3, "read whole")


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


def test_a_granted_code_works_once_typed_loosely_and_is_replaced_by_the_next(tmp_path: Path) -> None:
    store = AccessStore(tmp_path)
    first = store.grant("010780195")
    assert store.verify("010780195", first.lower().replace("-", " ")) is not None
    second = store.grant("010780195")
    assert store.verify("010780195", first) is None and store.verify("010780195", second) is not None
    assert store.verify("130781560", second) is None
    assert normalise_code(" abcde-fghij ") == "ABCDEFGHIJ"


def test_access_is_only_granted_to_a_finess(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a FINESS"):
        AccessStore(tmp_path).grant("../../etc")


def test_the_login_limiter_forgets_failures_after_its_window() -> None:
    limiter = LoginLimiter(max_failures=2, window_seconds=0.2)
    for _ in range(2):
        limiter.record_failure("010780195", "10.0.0.1")
    assert limiter.blocked_for("010780195", "10.0.0.2") > 0  # per FINESS
    assert limiter.blocked_for("130781560", "10.0.0.1") > 0  # per address
    assert limiter.blocked_for("130781560", "10.0.0.2") == 0
    import time

    time.sleep(0.25)
    assert limiter.blocked_for("010780195", "10.0.0.1") == 0
