"""The establishments' portal: a named referent logs in, checks and deposits a file, reads receipts,
private reports and gets the template. It reads receipts and report files; it never opens the warehouse.

Every page but the account pages belongs to the establishment of the session: the FINESS comes from
the signed session cookie, never from the URL or a form. The account pages are in `accounts.py`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.middleware.sessions import SessionMiddleware

from intake.depositors import record_deposit
from intake.feedback import split_issues
from intake.receipts import RECEIPT_ID, REPORTS_DIR, list_private_reports, outbox_folder, read_receipts
from portal.access import AccessStore, EndedSessions, Identity
from portal.accounts import add_account_routes
from portal.checking import CheckQueue, CheckRefused, check_file, warm_up
from portal.files import read_own_file
from portal.throttle import LoginThrottle
from portal.uploads import (
    BodyTooSlow,
    LimitUploadSize,
    UploadTooLarge,
    deposit,
    neutral_name,
    pending_files,
    safe_name,
    size_in_french,
)
from portal.web import (
    SESSION_COOKIE,
    BadCsrfToken,
    NotLoggedIn,
    SecurityHeaders,
    check_csrf,
    environment,
    render,
    session_identity,
    signing_key,
)
from schemas.bounds import CheckLimits
from schemas.catalogue import default_catalogue
from schemas.personal_data import holds_personal_data
from schemas.reading import Limits
from schemas.template import write_template_csv, write_template_xlsx
from tlkpi.settings import Settings

QUARTER = re.compile(r"^[0-9]{4}-T[1-4]$")
REPORT_FILE = re.compile(r"^(static/)?[A-Za-z0-9_-]+\.(html|css)$")
COPY_CHUNK = 1 << 20
logger = logging.getLogger("tlkpi.portal")


def too_large_message(max_bytes: int) -> str:
    return (f"Le fichier dépasse la taille maximale de {size_in_french(max_bytes)} : il n'a pas été reçu. "
            "Découpez-le en plusieurs fichiers (par exemple un par cas d'usage).")  # fmt: skip


def create_app(settings: Settings, warm: bool = True) -> FastAPI:
    """The portal for the data root of `settings`; `warm` builds the validator before the first request."""
    env = environment()
    access = AccessStore(settings.portal_dir, settings.portal_activation_days)
    throttle = LoginThrottle(
        free_failures=settings.portal_max_failed_logins,
        address_free_failures=settings.portal_address_failed_logins,
        base_delay=settings.portal_login_first_delay_seconds,
        max_delay=settings.portal_login_max_delay_seconds,
        forget_after=settings.portal_login_window_seconds,
        max_entries=settings.portal_login_memory_entries,
    )
    checks = CheckQueue(settings.portal_max_waiting_checks)
    ended = EndedSessions(settings.portal_dir, settings.portal_session_max_age_seconds)
    uploads = settings.portal_dir / "uploads"
    limits = Limits.of(settings)
    check_limits = CheckLimits.of(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:
            await run_in_threadpool(warm_up, uploads)
        yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=signing_key(settings.portal_dir, settings.portal_secret_key),
        session_cookie=SESSION_COOKIE,
        max_age=settings.portal_session_max_age_seconds,
        same_site="strict",
        https_only=settings.portal_secure_cookies,
    )

    def bare_page(title: str, message: str) -> bytes:
        """A French page for answers given outside any session (the middlewares')."""
        html = env.get_template("erreur.html").render(csrf="", finess=None, email=None, path="", title=title,
                                                      message=message)  # fmt: skip
        return html.encode("utf-8")

    app.add_middleware(
        LimitUploadSize,
        max_bytes=settings.portal_max_upload_bytes,
        too_large_page=bare_page(
            "Envoi trop volumineux", too_large_message(settings.portal_max_upload_bytes)
        ),
        body_timeout=settings.portal_body_timeout_seconds,
    )
    app.add_middleware(SecurityHeaders, error_page=bare_page("Erreur du portail",
                       "Le portail n'a pas pu traiter votre demande. Réessayez dans quelques minutes ; si "
                       "l'erreur persiste, prévenez l'équipe nationale."))  # fmt: skip
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    def me(request: Request) -> str:
        return session_identity(request, access, ended).finess

    def who(request: Request) -> Identity:
        return session_identity(request, access, ended)

    def page(request: Request, template: str, status: int = 200, **context: object) -> Response:
        return render(env, request, template, status, **context)

    @app.exception_handler(NotLoggedIn)
    async def to_login(request: Request, _: NotLoggedIn) -> Response:
        return RedirectResponse("/connexion", status_code=303)

    @app.exception_handler(BadCsrfToken)
    async def refuse_form(request: Request, _: BadCsrfToken) -> Response:
        return page(request, "erreur.html", 403, title="Formulaire expiré",
                    message="Ce formulaire n'est plus valable (page trop ancienne, ou session "
                    "terminée). Rechargez la page puis recommencez.")  # fmt: skip

    @app.exception_handler(UploadTooLarge)
    async def refuse_large_body(request: Request, _: UploadTooLarge) -> Response:
        return page(request, "erreur.html", 413, title="Envoi trop volumineux",
                    message=too_large_message(settings.portal_max_upload_bytes))  # fmt: skip

    @app.exception_handler(BodyTooSlow)
    async def cut_off_slow_body(request: Request, _: BodyTooSlow) -> Response:
        response = page(request, "erreur.html", 408, title="Envoi interrompu",
                        message="L'envoi s'est interrompu trop longtemps. Vérifiez votre connexion, puis recommencez.")  # fmt: skip
        response.headers["connection"] = "close"
        return response

    @app.exception_handler(404)
    async def not_found(request: Request, _: Exception) -> Response:
        return page(request, "erreur.html", 404, title="Page introuvable",
                    message="Cette page n'existe pas ou n'est pas accessible avec votre connexion.")  # fmt: skip

    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(status_code=204)  # the reports' pages ask for one; there is none

    @app.get("/")
    async def home(request: Request) -> Response:
        me(request)
        return RedirectResponse("/depot", status_code=303)

    add_account_routes(app, page, access, throttle, ended, settings.portal_activation_days)

    @app.get("/depot")
    async def deposit_form(request: Request) -> Response:
        me(request)
        return page(request, "depot.html", result=None)

    @app.post("/depot")
    async def check_or_deposit(request: Request) -> Response:
        identity = who(request)
        try:
            form = await request.form(max_files=1, max_fields=3)
        except UploadTooLarge:
            return page(request, "depot.html", 413, result=None,
                        error=too_large_message(settings.portal_max_upload_bytes))  # fmt: skip
        check_csrf(request, form.get("csrf"))
        upload = form.get("fichier")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return page(request, "depot.html", 400, result=None, error="Choisissez un fichier à vérifier.")
        try:
            with checks.slot(f"{identity.finess}/{identity.email}"):
                return await check_and_deposit(request, identity, upload, form.get("action") == "deposer")
        except CheckRefused as refused:
            if refused.reason == "session":
                return page(request, "depot.html", 429, result=None,
                            error="Une vérification est déjà en cours pour votre compte : patientez jusqu'à "
                            "son résultat, puis recommencez.")  # fmt: skip
            response = page(request, "depot.html", 503, result=None,
                            error="Le portail vérifie beaucoup de fichiers en ce moment : patientez une "
                            "minute, puis recommencez.")  # fmt: skip
            response.headers["retry-after"] = "60"
            return response

    async def check_and_deposit(
        request: Request, identity: Identity, upload: UploadFile, keep: bool
    ) -> Response:
        name = safe_name(upload.filename)
        work = uploads / uuid.uuid4().hex
        work.mkdir(parents=True)
        try:
            digest = hashlib.sha256()
            received = work / "reception.part"
            with received.open("wb") as target:
                while chunk := await upload.read(COPY_CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
            sha256 = digest.hexdigest()
            masked = holds_personal_data(upload.filename or "") or holds_personal_data(name)
            if masked:  # never kept, never shown: the file goes on under a neutral name
                name = neutral_name(sha256, name)
            staged = work / name
            received.rename(staged)
            result = await run_in_threadpool(check_file, staged, identity.finess, limits, check_limits)
            deposited = None
            if keep and result.accepted:
                try:
                    if identity.email:
                        record_deposit(settings.portal_dir, identity.finess, sha256, identity.email, name)
                    deposited = deposit(staged, settings.inbox_dir, identity.finess, name).name
                except OSError:
                    logger.exception("portal: cannot deposit into %s", settings.inbox_dir / identity.finess)
                    return page(request, "erreur.html", 503, title="Dépôt momentanément impossible",
                                message="Votre fichier est acceptable, mais il n'a pas pu être enregistré "
                                "pour le moment. Rien n'a été déposé : réessayez dans quelques minutes. "
                                "L'équipe nationale a été prévenue.")  # fmt: skip
        finally:
            shutil.rmtree(work, ignore_errors=True)
        shown = split_issues(result.issues)
        return page(request, "depot.html", result=result, name=name, deposited=deposited, masked=masked,
                    every=settings.ingest_every_minutes, errors=shown["errors"], warnings=shown["warnings"])  # fmt: skip

    @app.get("/depots")
    async def my_deposits(request: Request) -> Response:
        finess = me(request)
        return page(request, "depots.html", receipts=read_receipts(settings.outbox_dir, finess),
                    pending=pending_files(settings.inbox_dir, finess))  # fmt: skip

    @app.get("/depots/{receipt}")
    async def receipt_page(request: Request, receipt: str) -> Response:
        finess = me(request)
        found = read_own_file(outbox_folder(settings.outbox_dir, finess), f"{receipt}.html") \
            if RECEIPT_ID.match(receipt) else None  # fmt: skip
        if found is None:
            return await not_found(request, Exception())
        return Response(found, media_type="text/html; charset=utf-8")

    @app.get("/rapports")
    async def my_reports(request: Request) -> Response:
        finess = me(request)
        return page(request, "rapports.html", reports=list_private_reports(settings.outbox_dir, finess))

    @app.get("/rapports/{quarter}/{edition}/{name:path}")
    async def report_file(request: Request, quarter: str, edition: str, name: str) -> Response:
        finess = me(request)
        found = None
        if QUARTER.match(quarter) and edition.isdigit() and REPORT_FILE.match(name):
            relative = f"{REPORTS_DIR}/{quarter}/edition-{edition}/{name}"
            found = read_own_file(outbox_folder(settings.outbox_dir, finess), relative)
        if found is None:
            return await not_found(request, Exception())
        media = "text/css" if name.endswith(".css") else "text/html; charset=utf-8"
        return Response(found, media_type=media)

    @app.get("/modele")
    async def template_page(request: Request) -> Response:
        me(request)
        return page(request, "modele.html", use_cases=default_catalogue().use_cases)

    @app.get("/modele/telecharger")
    async def template_file(request: Request, format: str = "xlsx", cas_usage: str = "") -> Response:
        finess = me(request)
        use_case = cas_usage if cas_usage in default_catalogue().use_cases else None
        stem = f"modele_indicateurs_{finess}{'_' + use_case if use_case else ''}"
        if format == "csv":
            data = write_template_csv(default_catalogue(), use_case)
            return Response(data, media_type="text/csv; charset=utf-8",
                            headers={"content-disposition": f'attachment; filename="{stem}.csv"'})  # fmt: skip
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "modele.xlsx"
            write_template_xlsx(target, default_catalogue(), use_case, finess)
            data = target.read_bytes()
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(data, media_type=xlsx,
                        headers={"content-disposition": f'attachment; filename="{stem}.xlsx"'})  # fmt: skip

    return app
