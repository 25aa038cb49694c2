"""The portal's account pages: log in (e-mail + passphrase, or FINESS + the old shared code), activate
a referent's access with its one-time code and choose a passphrase, log out.

Every attempt goes through the throttle first: a wrong secret slows down the one who typed it, from
where they typed it, and nobody else.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.datastructures import FormData
from fastapi.responses import RedirectResponse, Response

from portal.access import MIN_PASSPHRASE, AccessStore, EndedSessions, Identity, PassphraseRefused, login_key
from portal.throttle import LoginThrottle
from portal.web import check_csrf, start_session

Page = Callable[..., Response]
PENDING = "activating"  # session key of a referent whose code was checked, choosing a passphrase


def wait_in_french(seconds: float) -> str:
    """5.2 -> '6 secondes', 61 -> '2 minutes': always rounded up, so trying then is never too early."""
    if seconds <= 60:
        whole = max(1, int(-(-seconds // 1)))
        return f"{whole} seconde{'s' if whole > 1 else ''}"
    minutes = int(-(-seconds // 60))
    return f"{minutes} minutes"


def client_address(request: Request) -> str:
    """The client's address (behind a trusted proxy, uvicorn has already taken it from X-Forwarded-For)."""
    return request.client.host if request.client else "?"


def add_account_routes(
    app: FastAPI, page: Page, access: AccessStore, throttle: LoginThrottle, ended: EndedSessions, days: float
) -> None:
    def too_many(request: Request, template: str, wait: float, **context: object) -> Response:
        return page(request, template, 429, **context,
                    error=f"Trop de tentatives avec cet identifiant depuis votre connexion : "
                    f"réessayez dans {wait_in_french(wait)}.")  # fmt: skip

    async def attempt(request: Request, field: str) -> tuple[FormData, str, str, str, float]:
        """A log-in or activation form (its CSRF token checked), the e-mail or FINESS typed in `field`,
        the throttle's key and the client's address, and how long they must still wait."""
        form = await request.form(max_files=0, max_fields=5)
        check_csrf(request, form.get("csrf"))
        typed = str(form.get(field) or "").strip()[:254]
        key, address = login_key(typed), client_address(request)
        return form, typed, key, address, throttle.wait_for(key, address)

    @app.get("/connexion")
    async def login_form(request: Request) -> Response:
        return page(request, "connexion.html", error=None, typed="")

    @app.post("/connexion")
    async def login(request: Request) -> Response:
        form, typed, key, address, wait = await attempt(request, "identifiant")
        if wait > 0:
            return too_many(request, "connexion.html", wait, typed=typed)
        throttle.record_failure(key, address)  # counted before the slow check: parallel tries count too
        identity = await run_in_threadpool(access.log_in, typed, str(form.get("secret") or "")[:512])
        if identity is None:
            return page(request, "connexion.html", 401, typed=typed,
                        error="Adresse e-mail ou phrase de passe incorrecte. Première connexion ? "
                        "Activez d'abord votre accès avec le code reçu.")  # fmt: skip
        throttle.record_success(key, address)
        start_session(request, identity)
        return RedirectResponse("/depot", status_code=303)

    @app.get("/activation")
    async def activation_form(request: Request) -> Response:
        return page(request, "activation.html", error=None, typed="", days=days)

    @app.post("/activation")
    async def check_activation(request: Request) -> Response:
        form, typed, key, address, wait = await attempt(request, "email")
        if wait > 0:
            return too_many(request, "activation.html", wait, typed=typed, days=days)
        throttle.record_failure(key, address)
        pending = await run_in_threadpool(access.check_activation, typed, str(form.get("code") or "")[:64])
        if pending is None:
            return page(request, "activation.html", 401, typed=typed, days=days,
                        error="Adresse e-mail ou code d'activation incorrect, ou code déjà utilisé ou "
                        "expiré. Un code déjà utilisé n'ouvre plus rien : connectez-vous avec votre "
                        "phrase de passe, ou demandez un nouveau code à l'équipe nationale.")  # fmt: skip
        throttle.record_success(key, address)
        request.session.clear()
        request.session[PENDING] = [pending.finess, pending.email, pending.stamp]
        return RedirectResponse("/activation/phrase", status_code=303)

    def pending_of(request: Request) -> Identity | None:
        held = request.session.get(PENDING)
        return Identity(*held) if isinstance(held, list) and len(held) == 3 else None

    @app.get("/activation/phrase")
    async def passphrase_form(request: Request) -> Response:
        pending = pending_of(request)
        if pending is None:
            return RedirectResponse("/activation", status_code=303)
        return page(request, "phrase.html", error=None, pending=pending, minimum=MIN_PASSPHRASE)

    @app.post("/activation/phrase")
    async def choose_passphrase(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        check_csrf(request, form.get("csrf"))
        pending = pending_of(request)
        if pending is None:
            return RedirectResponse("/activation", status_code=303)
        chosen, again = str(form.get("phrase") or ""), str(form.get("confirmation") or "")
        error = None if chosen == again else "Les deux saisies de la phrase de passe sont différentes."
        if error is None:
            try:
                identity = await run_in_threadpool(access.activate, pending, chosen)
            except PassphraseRefused as refused:
                error = str(refused)
            except LookupError:
                request.session.clear()
                return page(request, "erreur.html", 410, title="Code d'activation retiré",
                            message="Ce code d'activation n'est plus valable (un nouveau code a été "
                            "émis, ou l'accès a été retiré). Demandez un nouveau code à l'équipe nationale.")  # fmt: skip
        if error is not None:
            return page(request, "phrase.html", 400, error=error, pending=pending, minimum=MIN_PASSPHRASE)
        start_session(request, identity)
        return RedirectResponse("/depot", status_code=303)

    @app.post("/deconnexion")
    async def logout(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=2)
        check_csrf(request, form.get("csrf"))
        if sid := request.session.get("sid"):
            ended.add(sid)
        request.session.clear()
        return RedirectResponse("/connexion", status_code=303)
