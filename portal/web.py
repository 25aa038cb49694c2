"""The portal's web plumbing: templates, the signing key, sessions, CSRF tokens, security headers."""

from __future__ import annotations

import hmac
import logging
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
from portal.access import AccessStore, Identity
from reports.templating import jinja_environment

PORTAL_TEMPLATES = Path(__file__).parent / "templates"
logger = logging.getLogger("tlkpi.portal")
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


def start_session(request: Request, identity: Identity) -> None:
    """A fresh session (new id, new CSRF token): nothing of the anonymous one carries over."""
    request.session.clear()
    request.session.update(
        finess=identity.finess, email=identity.email, granted_at=identity.stamp,
        sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(32),
    )  # fmt: skip


def session_identity(request: Request, access: AccessStore, ended: Container[object]) -> Identity:
    """Who a live session belongs to: signed cookie, not logged out, grant neither revoked nor replaced."""
    finess, stamp, sid = (request.session.get(k) for k in ("finess", "granted_at", "sid"))
    if not (finess and stamp and sid) or sid in ended:
        raise NotLoggedIn
    identity = Identity(str(finess), request.session.get("email"), str(stamp))
    if not access.is_current(identity):
        request.session.clear()
        raise NotLoggedIn
    return identity


def render(
    env: Environment, request: Request, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    finess = request.session.get("finess") if request.session.get("sid") else None
    html = env.get_template(template).render(
        csrf=csrf_token(request), finess=finess, email=request.session.get("email") if finess else None,
        path=request.url.path, **context,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


class SecurityHeaders:
    """Adds the headers of SECURITY_HEADERS to every response, and turns an unexpected error into a
    French page that carries them too (the traceback goes to the log, never to the page)."""

    def __init__(self, app: ASGIApp, error_page: bytes) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("portal: %s %s failed", scope.get("method"), scope.get("path"))
            if started:
                raise
            await send_with_headers({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", b"text/html; charset=utf-8"), (b"connection", b"close"),
                (b"content-length", b"%d" % len(self.error_page))]})  # fmt: skip
            await send({"type": "http.response.body", "body": self.error_page})
