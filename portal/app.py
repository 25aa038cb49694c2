"""The establishments' portal: log in with an access code, check and deposit a file, read receipts,
private reports and get the template. It reads receipts and report files; it never opens the warehouse.

Every page but the login page belongs to the establishment of the session: the FINESS comes from the
signed session cookie, never from the URL or a form.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.middleware.sessions import SessionMiddleware

from intake.feedback import split_issues
from intake.receipts import RECEIPT_ID, REPORTS_DIR, list_private_reports, outbox_folder, read_receipts
from portal.access import AccessStore, EndedSessions, LoginLimiter
from portal.checking import check_file, warm_up
from portal.uploads import LimitUploadSize, UploadTooLarge, deposit, pending_files, safe_name, size_in_french
from portal.web import (
    SESSION_COOKIE,
    BadCsrfToken,
    NotLoggedIn,
    SecurityHeaders,
    check_csrf,
    environment,
    render,
    session_finess,
    signing_key,
    start_session,
)
from schemas.bounds import CheckLimits
from schemas.catalogue import default_catalogue
from schemas.reading import Limits
from schemas.template import write_template_csv, write_template_xlsx
from tlkpi.settings import Settings

QUARTER = re.compile(r"^[0-9]{4}-T[1-4]$")
REPORT_FILE = re.compile(r"^(static/)?[A-Za-z0-9_-]+\.(html|css)$")
COPY_CHUNK = 1 << 20


def create_app(settings: Settings, warm: bool = True) -> FastAPI:
    """The portal for the data root of `settings`; `warm` builds the validator before the first request."""
    env = environment()
    access = AccessStore(settings.portal_dir)
    limiter = LoginLimiter(settings.portal_max_failed_logins, settings.portal_login_window_seconds)
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
    app.add_middleware(LimitUploadSize, max_bytes=settings.portal_max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    def me(request: Request) -> str:
        return session_finess(request, access, ended)

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

    @app.get("/connexion")
    async def login_form(request: Request) -> Response:
        return page(request, "connexion.html", error=None, typed_finess="")

    @app.post("/connexion")
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        check_csrf(request, form.get("csrf"))
        finess = str(form.get("finess") or "").strip().upper()[:20]
        address = request.client.host if request.client else "?"
        wait = limiter.blocked_for(finess, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return page(request, "connexion.html", 429, typed_finess=finess,
                        error=f"Trop de tentatives : réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.")  # fmt: skip
        limiter.record_failure(finess, address)  # counted before the slow check: parallel tries count too
        granted = await run_in_threadpool(access.verify, finess, str(form.get("code") or ""))
        if granted is None:
            return page(request, "connexion.html", 401, typed_finess=finess,
                        error="FINESS ou code d'accès incorrect. Vérifiez le code reçu de l'équipe nationale.")  # fmt: skip
        limiter.record_success(finess, address)
        start_session(request, granted.finess, granted.granted_at)
        return RedirectResponse("/depot", status_code=303)

    @app.post("/deconnexion")
    async def logout(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=2)
        check_csrf(request, form.get("csrf"))
        if sid := request.session.get("sid"):
            ended.add(sid)
        request.session.clear()
        return RedirectResponse("/connexion", status_code=303)

    @app.get("/depot")
    async def deposit_form(request: Request) -> Response:
        me(request)
        return page(request, "depot.html", result=None)

    @app.post("/depot")
    async def check_or_deposit(request: Request) -> Response:
        finess = me(request)
        try:
            form = await request.form(max_files=1, max_fields=3)
        except UploadTooLarge:
            return page(request, "depot.html", 413, result=None,
                        error=f"Le fichier dépasse la taille maximale de {size_in_french(settings.portal_max_upload_bytes)} : il n'a pas été reçu. "
                        "Découpez-le en plusieurs fichiers (par exemple un par cas d'usage).")  # fmt: skip
        check_csrf(request, form.get("csrf"))
        upload = form.get("fichier")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return page(request, "depot.html", 400, result=None, error="Choisissez un fichier à vérifier.")
        name = safe_name(upload.filename)
        work = uploads / uuid.uuid4().hex
        work.mkdir(parents=True)
        try:
            staged = work / name
            with staged.open("wb") as target:
                while chunk := await upload.read(COPY_CHUNK):
                    target.write(chunk)
            result = await run_in_threadpool(check_file, staged, finess, limits, check_limits)
            deposited = None
            if form.get("action") == "deposer" and result.accepted:
                deposited = deposit(staged, settings.inbox_dir, finess, name).name
        finally:
            shutil.rmtree(work, ignore_errors=True)
        shown = split_issues(result.issues)
        return page(request, "depot.html", result=result, name=name, deposited=deposited,
                    every=settings.ingest_every_minutes, errors=shown["errors"], warnings=shown["warnings"])  # fmt: skip

    @app.get("/depots")
    async def my_deposits(request: Request) -> Response:
        finess = me(request)
        return page(request, "depots.html", receipts=read_receipts(settings.outbox_dir, finess),
                    pending=pending_files(settings.inbox_dir, finess))  # fmt: skip

    @app.get("/depots/{receipt}")
    async def receipt_page(request: Request, receipt: str) -> Response:
        finess = me(request)
        path = outbox_folder(settings.outbox_dir, finess) / f"{receipt}.html"
        if not RECEIPT_ID.match(receipt) or not path.is_file():
            return await not_found(request, Exception())
        return FileResponse(path, media_type="text/html; charset=utf-8")

    @app.get("/rapports")
    async def my_reports(request: Request) -> Response:
        finess = me(request)
        return page(request, "rapports.html", reports=list_private_reports(settings.outbox_dir, finess))

    @app.get("/rapports/{quarter}/{edition}/{name:path}")
    async def report_file(request: Request, quarter: str, edition: str, name: str) -> Response:
        finess = me(request)
        folder = outbox_folder(settings.outbox_dir, finess) / REPORTS_DIR / quarter / f"edition-{edition}"
        path = folder / name
        if not (QUARTER.match(quarter) and edition.isdigit() and REPORT_FILE.match(name) and path.is_file()):
            return await not_found(request, Exception())
        media = "text/css" if name.endswith(".css") else "text/html; charset=utf-8"
        return FileResponse(path, media_type=media)

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
