"""Who may log in to the portal: named referents of each establishment, and the old shared codes.

The operator grants an e-mail address a one-time activation code that expires (`tlkpi access grant`);
the referent chooses a passphrase with it, and the code then opens nothing. Later logins are e-mail +
passphrase. Codes and passphrases are stored only as argon2id hashes in <portal dir>/access.json.
An establishment's single access code of earlier versions keeps working until one of its referents is
granted. The operator grants, revokes and lists; the portal verifies, activates and notes last logins.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from schemas.finess import has_valid_format
from tlkpi.files import write_atomically

ACCESS_FILE = "access.json"
LOCK_FILE = "access.lock"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read over the phone
CODE_GROUPS, GROUP_LENGTH = 4, 5  # 20 characters, about 99 bits
MIN_PASSPHRASE, MAX_PASSPHRASE = 12, 256
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HASHER = PasswordHasher()  # argon2id
# verified when the identifier is unknown, so a wrong address costs as long as a wrong secret
_DECOY_HASH = _HASHER.hash(secrets.token_hex(16))


class PassphraseRefused(ValueError):
    """The chosen passphrase breaks a rule; the message is French, for the referent."""


@dataclass(frozen=True)
class Referent:
    email: str
    finess: str
    granted_at: str
    expires_at: str | None  # of the activation code; None once activated
    activated_at: str | None
    last_login_at: str | None

    def state(self, now: datetime | None = None) -> str:
        if self.activated_at:
            return "active"
        expired = self.expires_at and datetime.fromisoformat(self.expires_at) <= (now or datetime.now(UTC))
        return "activation code expired" if expired else "awaiting activation"


@dataclass(frozen=True)
class Identity:
    """Who a session belongs to. `stamp` is the grant it was opened under: a new grant or a revocation
    changes it, and every session opened under the old one ends."""

    finess: str
    email: str | None  # None: the establishment's old shared code
    stamp: str


@dataclass(frozen=True)
class OldCode:
    finess: str
    granted_at: str


def new_code() -> str:
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(CODE_GROUPS))
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """What the user typed, without spaces or dashes, in capitals: a code copied from a mail still works."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def normalise_email(email: str) -> str:
    return email.strip().lower()


def login_key(identifier: str) -> str:
    """The identifier typed at login as the throttle counts it: an e-mail or a FINESS, folded."""
    return identifier.strip().lower()[:254]


def passphrase_problem(passphrase: str, finess: str, email: str) -> str | None:
    """Why a passphrase is refused (French), or None when it is acceptable."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"La phrase de passe doit compter au moins {MIN_PASSPHRASE} caractères."
    if len(passphrase) > MAX_PASSPHRASE:
        return f"La phrase de passe doit compter au plus {MAX_PASSPHRASE} caractères."
    folded = "".join(passphrase.lower().split())
    if finess.lower() in folded or email.lower() in folded or folded in email.lower():
        return "La phrase de passe ne doit contenir ni le numéro FINESS ni votre adresse e-mail."
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _verify(stored: str | None, secret: str) -> bool:
    """One slow argon2 verification, also when nothing is stored (the decoy)."""
    try:
        _HASHER.verify(stored or _DECOY_HASH, secret)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


class AccessStore:
    """<portal dir>/access.json: referents by e-mail, and the old codes by FINESS, only as hashes.

    Every change is a read-modify-write under an exclusive lock, so the CLI granting while the portal
    notes a login loses neither.
    """

    def __init__(self, portal_dir: Path, activation_days: float = 14) -> None:
        self.path = portal_dir / ACCESS_FILE
        self.activation_days = activation_days

    def _read(self) -> dict[str, dict[str, dict[str, Any]]]:
        if not self.path.exists():
            return {"referents": {}, "codes": {}}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if "referents" not in data:  # the file of earlier versions: FINESS -> its single code
            return {"referents": {}, "codes": data}
        return data

    def _write(self, data: dict[str, dict[str, dict[str, Any]]]) -> None:
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True), mode=0o600)

    @contextmanager
    def _changing(self) -> Iterator[dict[str, dict[str, dict[str, Any]]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with (self.path.parent / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            self._write(data)

    # --- the operator's side -------------------------------------------------------------------
    def grant(self, finess: str, email: str) -> str:
        """A new activation code for this referent (a lost passphrase is a new grant: the old one and
        every session stop); the establishment's old shared code stops too. Returns the code."""
        finess, email = finess.strip().upper(), normalise_email(email)
        if not has_valid_format(finess):
            raise ValueError(f"{finess!r} is not a FINESS number (9 characters, département first)")
        if not EMAIL.match(email):
            raise ValueError(f"{email!r} is not an e-mail address")
        code = new_code()
        now = datetime.now(UTC)
        with self._changing() as data:
            earlier = data["referents"].get(email)
            if earlier and earlier["finess"] != finess:
                raise ValueError(
                    f"{email} is a referent of {earlier['finess']}: revoke it first (one address, one establishment)"
                )
            data["referents"][email] = {
                "finess": finess,
                "granted_at": now.isoformat(timespec="microseconds"),
                "activation_hash": _HASHER.hash(normalise_code(code)),
                "expires_at": (now + timedelta(days=self.activation_days)).isoformat(timespec="seconds"),
                "passphrase_hash": None,
                "activated_at": None,
                "last_login_at": earlier.get("last_login_at") if earlier else None,
            }
            data["codes"].pop(finess, None)
        return code

    def revoke(self, who: str) -> list[str]:
        """End one referent (an e-mail), or every referent and the old code of an establishment (a FINESS).
        Returns what was removed."""
        key = who.strip()
        removed: list[str] = []
        with self._changing() as data:
            if "@" in key:
                if data["referents"].pop(normalise_email(key), None):
                    removed.append(normalise_email(key))
            else:
                finess = key.upper()
                for email in [e for e, r in data["referents"].items() if r["finess"] == finess]:
                    del data["referents"][email]
                    removed.append(email)
                if data["codes"].pop(finess, None):
                    removed.append(f"old access code of {finess}")
        return removed

    def referents(self) -> list[Referent]:
        return sorted(
            (self._referent(email, entry) for email, entry in self._read()["referents"].items()),
            key=lambda r: (r.finess, r.email),
        )

    def old_codes(self) -> list[OldCode]:
        return [OldCode(f, entry["granted_at"]) for f, entry in sorted(self._read()["codes"].items())]

    @staticmethod
    def _referent(email: str, entry: dict[str, Any]) -> Referent:
        return Referent(email, entry["finess"], entry["granted_at"], entry.get("expires_at"),
                        entry.get("activated_at"), entry.get("last_login_at"))  # fmt: skip

    # --- the portal's side ---------------------------------------------------------------------
    def check_activation(self, email: str, code: str) -> Identity | None:
        """The referent awaiting activation whose code this is (not expired), else None."""
        entry = self._read()["referents"].get(normalise_email(email))
        pending = entry if entry and entry.get("activation_hash") else None
        if pending and datetime.fromisoformat(pending["expires_at"]) <= datetime.now(UTC):
            pending = None
        if not _verify(pending["activation_hash"] if pending else None, normalise_code(code)) or not pending:
            return None
        return Identity(pending["finess"], normalise_email(email), pending["granted_at"])

    def activate(self, pending: Identity, passphrase: str) -> Identity:
        """Set the passphrase of a referent whose code was just checked; the code then opens nothing.

        Raises PassphraseRefused (French message), or LookupError when the grant changed meanwhile."""
        assert pending.email is not None
        if problem := passphrase_problem(passphrase, pending.finess, pending.email):
            raise PassphraseRefused(problem)
        hashed = _HASHER.hash(passphrase)
        with self._changing() as data:
            entry = data["referents"].get(pending.email)
            if not entry or entry["granted_at"] != pending.stamp or not entry.get("activation_hash"):
                raise LookupError(pending.email)
            entry.update(activation_hash=None, expires_at=None, passphrase_hash=hashed,
                         activated_at=_now(), last_login_at=_now())  # fmt: skip
        return pending

    def log_in(self, identifier: str, secret: str) -> Identity | None:
        """E-mail + passphrase (or FINESS + old code): the identity, else None; always one slow hash.
        A successful login is noted as the referent's last login."""
        key = identifier.strip()
        data = self._read()
        if "@" not in key:
            finess = key.upper()
            entry = data["codes"].get(finess)
            ok = _verify(entry["hash"] if entry else None, normalise_code(secret))
            return Identity(finess, None, entry["granted_at"]) if ok and entry else None
        email = normalise_email(key)
        entry = data["referents"].get(email)
        if not _verify(entry.get("passphrase_hash") if entry else None, secret) or not entry:
            return None
        with self._changing() as fresh:
            if email in fresh["referents"]:
                fresh["referents"][email]["last_login_at"] = _now()
        return Identity(entry["finess"], email, entry["granted_at"])

    def is_current(self, identity: Identity) -> bool:
        """Whether a session's grant still holds (not revoked, not re-granted, activated)."""
        data = self._read()
        if identity.email is None:
            code = data["codes"].get(identity.finess)
            return code is not None and code["granted_at"] == identity.stamp
        entry = data["referents"].get(identity.email)
        return bool(
            entry
            and entry["finess"] == identity.finess
            and entry["granted_at"] == identity.stamp
            and entry.get("passphrase_hash")
        )


class EndedSessions:
    """Sessions logged out before their cookie expires, kept in <portal dir>/ended_sessions.json so that
    a copy of the cookie replayed later opens nothing, even after the portal restarts."""

    def __init__(self, portal_dir: Path, max_age_seconds: float) -> None:
        self.path = portal_dir / "ended_sessions.json"
        self.max_age = max_age_seconds
        self._ended: dict[str, float] = (
            json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        )

    def __contains__(self, sid: object) -> bool:
        return sid in self._ended

    def add(self, sid: str) -> None:
        now = time.time()
        self._ended = {s: t for s, t in self._ended.items() if now - t < self.max_age}  # expired anyway
        self._ended[sid] = now
        write_atomically(self.path, json.dumps(self._ended))
