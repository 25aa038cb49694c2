"""The portal's web plumbing: templates, the signing key, sessions, CSRF tokens, security headers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Container
from pathlib import Path
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.feedback import FEEDBACK_FILTERS
from intake.feedback import TEMPLATES_DIR as FEEDBACK_TEMPLATES
from portal.access import AccessStore
from reports.templating import jinja_environment

PORTAL_TEMPLATES = Path(__file__).parent / "templates"
SESSION_COOKIE = "tlkpi_portail"
KEY_FILE = "secret.key"
SECURITY_HEADERS = [
    # no script at all; inline styles only for the receipts and reports, which are self-contained files
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class NotLoggedIn(Exception):
    """The request has no valid session: the user is sent to the login page."""


class BadCsrfToken(Exception):
    """A form came without this session's CSRF token (forged, replayed from another session, or absent)."""


def environment() -> Environment:
    """The portal's pages, and the feedback templates they include."""
    return jinja_environment(
        (PORTAL_TEMPLATES, FEEDBACK_TEMPLATES), FEEDBACK_FILTERS, keep_trailing_newline=False
    )


def signing_key(portal_dir: Path, configured: str | None) -> str:
    """The configured key, else one created once in <portal dir>/secret.key, readable by its owner only."""
    if configured:
        return configured
    path = portal_dir / KEY_FILE
    if not path.exists():
        portal_dir.mkdir(parents=True, exist_ok=True)
        descriptor = path.open("x", encoding="ascii")
        path.chmod(0o600)
        with descriptor:
            descriptor.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def csrf_token(request: Request) -> str:
    """This session's token, created on first use; every form of the portal carries it."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: object) -> None:
    expected = request.session.get("csrf")
    if not (isinstance(submitted, str) and expected and hmac.compare_digest(submitted, expected)):
        raise BadCsrfToken


def start_session(request: Request, finess: str, granted_at: str) -> None:
    """A fresh session (new id, new CSRF token): nothing of the anonymous one carries over."""
    request.session.clear()
    request.session.update(
        finess=finess, granted_at=granted_at, sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(32)
    )


def session_finess(request: Request, access: AccessStore, ended: Container[object]) -> str:
    """The FINESS of a live session: signed cookie, not logged out, code neither revoked nor replaced."""
    finess, granted_at, sid = (request.session.get(k) for k in ("finess", "granted_at", "sid"))
    if not (finess and granted_at and sid) or sid in ended:
        raise NotLoggedIn
    current = access.current(finess)
    if current is None or current.granted_at != granted_at:
        request.session.clear()
        raise NotLoggedIn
    return str(finess)


def render(
    env: Environment, request: Request, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    finess = request.session.get("finess") if request.session.get("sid") else None
    html = env.get_template(template).render(
        csrf=csrf_token(request), finess=finess, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status)


class SecurityHeaders:
    """Adds the headers of SECURITY_HEADERS to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
