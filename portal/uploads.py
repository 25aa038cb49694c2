"""Uploads: a size limit enforced while the body streams in, safe file names, and the atomic deposit of
an acceptable file into inbox/<FINESS>/ (where the ingest flow takes it like any folder drop).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import unicodedata
import uuid
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.personal_data import holds_personal_data
from schemas.reading import SUPPORTED_SUFFIXES

MAX_NAME_LENGTH = 120
MASKED_NAME = "fichier au nom masqué (il contenait une donnée personnelle)"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


class UploadTooLarge(Exception):
    """The request body went past the portal's upload limit; nothing of it is kept."""


class BodyTooSlow(Exception):
    """The client sent nothing of its body for the body timeout: it is cut off."""


class LimitUploadSize:
    """ASGI middleware: a body over `max_bytes` is refused on every route, a stalled body is cut off.

    A declared Content-Length over the limit is answered at once with `too_large_page` (413), whatever
    the route; an undeclared (chunked) body is counted as it streams in and UploadTooLarge is raised into
    the form parser at the first chunk past the limit (the app answers 413). Before a 413 goes out, the
    rest of the body is read and dropped (up to `drain_bytes`), so the client reads the answer and its
    connection stays usable; past that, the connection is closed after the answer. A body that sends
    nothing for `body_timeout` seconds raises BodyTooSlow.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        too_large_page: bytes = b"",
        body_timeout: float = 60.0,
        drain_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.page = too_large_page
        self.body_timeout = body_timeout
        self.drain_bytes = drain_bytes if drain_bytes is not None else max(4 * max_bytes, 64 << 20)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        received = 0
        finished = declared is None and scope["method"] in {"GET", "HEAD"}
        too_large = False

        async def timed_receive() -> Message:
            nonlocal finished
            if finished:  # the body is in: what follows is a wait for the client to leave, not a slow body
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] != "http.request" or not message.get("more_body"):
                finished = True
            return message

        async def counting_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                raise UploadTooLarge
            message = await timed_receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise UploadTooLarge
            return message

        async def drain() -> bool:
            """Read and drop the rest of the body; True when it ended within `drain_bytes`."""
            nonlocal received
            try:
                while not finished and received <= self.drain_bytes:
                    received += len((await timed_receive()).get("body", b""))
            except BodyTooSlow:
                return False
            return finished

        async def send_after_draining(message: Message) -> None:
            if message["type"] == "http.response.start" and too_large and not await drain():
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            too_large = True
            headers = [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", b"%d" % len(self.page)),
            ]
            await send_after_draining({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": self.page})
            return
        await self.app(scope, counting_receive, send_after_draining)


def safe_name(submitted: str | None) -> str:
    """A file name that is only a name: no folder part, no markup, no control character, not hidden,
    at most MAX_NAME_LENGTH characters with its extension kept ('../../x<script>.csv' -> 'x_script_.csv')."""
    name = (submitted or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", name).strip(" ._")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix[:10]
    stem = stem[: MAX_NAME_LENGTH - len(suffix) - 1].rstrip(" ._") or "fichier"
    return f"{stem}.{suffix}" if suffix else stem


def neutral_name(sha256: str, name: str) -> str:
    """The name a file whose name holds personal data is kept and shown under: `fichier-<hash12>.csv`
    (the same as the ingest's), its extension kept so it is still read as what it is."""
    suffix = Path(name).suffix.lower()
    return f"fichier-{sha256[:12]}{suffix if suffix in SUPPORTED_SUFFIXES else ''}"


def size_in_french(n_bytes: int) -> str:
    """20971520 -> '20 Mo', 65536 -> '64 Ko' (binary units, as file explorers show them)."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.3g} Mo".replace(".", ",")
    return f"{max(1, n_bytes // 1024)} Ko"


def has_supported_suffix(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES


def deposit(source: Path, inbox: Path, finess: str, name: str) -> Path:
    """Move a checked upload into inbox/<FINESS>/ under a free name, atomically.

    It first lands as a hidden `.part` file (never taken by the ingest), then is renamed in one step.
    """
    folder = inbox / finess
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{uuid.uuid4().hex}.part"
    shutil.move(source, temporary)  # a rename, or a copy when the inbox is on another disk
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 10_000):
        target = folder / (name if number == 1 else f"{stem} ({number}){suffix}")
        try:
            os.link(temporary, target)  # fails if the name is taken: no file is ever overwritten
        except FileExistsError:
            continue
        temporary.unlink()
        return target
    raise FileExistsError(f"no free name for {name} in {folder}")


def pending_files(inbox: Path, finess: str) -> list[str]:
    """Files of this establishment waiting in its inbox folder (deposited, not yet loaded)."""
    folder = inbox / finess
    if not folder.is_dir():
        return []
    names = (p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return sorted(MASKED_NAME if holds_personal_data(name) else name for name in names)
