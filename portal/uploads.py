"""Uploads: a size limit enforced while the body streams in, safe file names, and the atomic deposit of
an acceptable file into inbox/<FINESS>/ (where the ingest flow takes it like any folder drop).
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.reading import SUPPORTED_SUFFIXES

MAX_NAME_LENGTH = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


class UploadTooLarge(Exception):
    """The request body went past the portal's upload limit; nothing of it is kept."""


class LimitUploadSize:
    """ASGI middleware: a POST whose body exceeds `max_bytes` is cut off as it streams in.

    A declared Content-Length over the limit is refused before any byte is read; otherwise the body is
    counted chunk by chunk and reading stops at the first chunk past the limit (UploadTooLarge is raised
    into the form parser, which drops its temporary file).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            scope.setdefault("state", {})["upload_too_large"] = True
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            if scope.get("state", {}).get("upload_too_large"):
                raise UploadTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    scope.setdefault("state", {})["upload_too_large"] = True
                    raise UploadTooLarge
            return message

        await self.app(scope, counting_receive, send)


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
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
